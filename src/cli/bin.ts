// The executable behind bin/skiffd and bin/skiff: the name it is started by picks the program.
// (bin/skiff-oci is built apart: it starts fastest without the daemon's and the CLI's modules.)
import { basename } from "node:path";

const program = basename(process.argv0) === "skiffd" ? import("./skiffd/main.ts") : import("./skiff/main.ts");
program.then((p) => p.main(process.argv.slice(2))).then((code) => process.exit(code));
