// Entry point of the skiff executable. Output is written synchronously, so exiting at once loses nothing.
import { main } from "./main.ts";

main(process.argv.slice(2)).then((code) => process.exit(code));
