// The executable behind bin/skiffd and bin/skiff: the name it is started by picks the program.
// (bin/skiff-oci is built apart: it starts fastest without the daemon's and the CLI's modules.)
// The name is cut from argv0 by hand: loading node:path for it cost every command ~50 page faults.
const name = process.argv0.slice(process.argv0.lastIndexOf("/") + 1);
const program = name === "skiffd" ? import("./skiffd/main.ts") : import("./skiff/main.ts");
program.then((p) => p.main(process.argv.slice(2))).then((code) => process.exit(code));
