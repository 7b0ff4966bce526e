// The executable behind bin/skiffd and bin/skiff: the name it is started by picks the program.
// (bin/skiff-oci is built apart: it starts fastest without the daemon's and the CLI's modules.)
// The name is cut from argv0 by hand: loading node:path for it cost every command ~50 page faults.
// A plain `skiff run` or `skiff create` runs from skiff/fast-path.ts without main.ts's command
// tables (issue 10's burst of 20 `run -d`); every other call loads main.ts.
const name = process.argv0.slice(process.argv0.lastIndexOf("/") + 1);
const argv = process.argv.slice(2);
const run = async (): Promise<number> => {
  if (name === "skiffd") return (await import("./skiffd/main.ts")).main(argv);
  if (argv[0] === "run" || argv[0] === "create") {
    const fast = await import("./skiff/fast-path.ts");
    const call = fast.parseFastCall(argv);
    if (call) return fast.runFastCall(call);
  }
  return (await import("./skiff/main.ts")).main(argv);
};
run().then((code) => process.exit(code));
