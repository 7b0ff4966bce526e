// Entry point of the skiff-oci executable. Output is written synchronously, so exiting at once
// loses nothing and skips the runtime's teardown.
import { main } from "./main.ts";

main(process.argv.slice(2)).then((code) => process.exit(code));
