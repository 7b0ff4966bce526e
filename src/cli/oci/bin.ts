// Entry point of bin/skiff-oci: its own executable, with nothing but the runtime's modules, since
// engines start it several times per container (bin/skiff and bin/skiffd share the other one).
// The short commands' plain calls run from short.ts, whose modules this chunk holds; every other
// call loads main.ts (issue 9: the short commands are bound by start-up).
import { parseShortCall, runShortCall } from "./short.ts";

const argv = process.argv.slice(2);
const call = parseShortCall(argv);
if (call) {
  const code = runShortCall(call);
  if (typeof code === "number") process.exit(code);
  code.then((c) => process.exit(c));
} else import("./main.ts").then((m) => m.main(argv)).then((code) => process.exit(code));
