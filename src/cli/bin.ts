// The one executable behind bin/skiff-oci, bin/skiffd and bin/skiff: the name it is started by
// picks the program (any other name, such as runc, means skiff-oci). One file instead of three
// copies of the Bun runtime; each program loads only its own modules.
import { basename } from "node:path";

const name = basename(process.argv0);
const program = name === "skiffd" ? import("./skiffd/main.ts") : name === "skiff" ? import("./skiff/main.ts") : import("./oci/main.ts");
program.then((p) => p.main(process.argv.slice(2))).then((code) => process.exit(code));
