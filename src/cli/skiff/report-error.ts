// How skiff reports an error, as docker does: "Error response from daemon: …" for what the daemon
// said, the hint below it; exit status 125 for a misuse of the command line, else 1.
import { isSkiffError, SkiffError } from "../../common/errors.ts";
import { writeErr } from "../../common/stdio.ts";

export function reportError(e: unknown): number {
  if (!isSkiffError(e)) {
    // a system error (ENOENT, EACCES…) is the user's to fix: its message, not a stack
    const code = (e as { code?: unknown })?.code;
    writeErr(`skiff: ${typeof code === "string" ? (e as Error).message : ((e as Error)?.stack ?? String(e))}\n`);
    return 1;
  }
  if (e.code.startsWith("CLI_") && e.kind === "invalid_argument") {
    writeErr(`skiff: ${e.message}\n${e.hint ? `${e.hint}\n` : ""}`);
    return 125;
  }
  writeErr(`${errorLine(e)}${e.hint ? `\nhint: ${e.hint}` : ""}\n`);
  return 1;
}

const errorLine = (e: SkiffError) => (e.details.status !== undefined ? `Error response from daemon: ${e.message}` : `Error: ${e.message}`);
