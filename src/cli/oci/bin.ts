// Entry point of bin/skiff-oci: its own executable, with nothing but the runtime's modules, since
// engines start it several times per container (bin/skiff and bin/skiffd share the other one).
import { main } from "./main.ts";

main(process.argv.slice(2)).then((code) => process.exit(code));
