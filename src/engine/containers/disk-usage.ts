// (service.ts's import: directorySize lives in common/, where the volumes reach it too)
export { directorySize } from "../../common/directory-size.ts";
