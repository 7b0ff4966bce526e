// How skiff reports an error: docker's "Error response from daemon: MESSAGE" for what the daemon
// answered (HTTP or a JSON stream's error line: its code, layer and hint travel with it), "Error:
// MESSAGE" for the CLI's own, each followed by "(layer: L, code: C[, errno: E])" and the hint on
// the next line; exit status 125 for a misuse of the command line (what docker's flag parser
// refuses), else 1 (refusals made with `refused`: what docker's commands check themselves, as the
// number of arguments, a terminal as the output, a value that is no time). The message comes
// first, as docker prints it, so what scripts match in docker's errors ("Error response from
// daemon: No such image: …") matches in skiff's.
// A system error that reaches here untyped (ENOSPC writing stdout, ENOENT opening a file, a
// connection reset by a daemon that stopped) becomes a CLI error with the errno and a hint, never
// a runtime's raw message or a stack trace. EPIPE ends skiff quietly with status 141: the reader
// of its output went away (`skiff save IMAGE | head -c 100`), which is no error of skiff's. The
// docker CLI is killed by SIGPIPE there (a shell shows 141, as measured with docker 28 and 20.10);
// Bun ignores SIGPIPE, so skiff exits with the status the shell would show, quietly, and scripts
// under `set -o pipefail` see the same status for both.
import { nodePath } from "../../common/lazy-node.ts";
import { errnoOf, errnoText } from "../../common/errno.ts";
import { invalid, isSkiffError, SkiffError } from "../../common/errors.ts";
import { EXIT_BROKEN_PIPE, writeErr } from "../../common/stdio.ts";

export { EXIT_BROKEN_PIPE };

const options = { debug: false };

/** With debug, an internal error (a bug) also prints its stack. */
export function configureErrorReport(o: { debug?: boolean }): void {
  Object.assign(options, o);
}

/** A misuse docker's command itself refuses (in its RunE, not its flag parser): printed as a misuse, status 1 as docker's. */
export const refused = (code: string, message: string, hint?: string): SkiffError => invalid("cli", code, message, hint, { exitStatus: 1 });

export function reportError(e: unknown): number {
  const { text, status } = describeError(e, options);
  if (text) writeErr(text);
  return status;
}

/** What reportError writes to stderr for `e`, and the exit status. */
export function describeError(e: unknown, o: { debug?: boolean } = {}): { text: string; status: number } {
  if (!isSkiffError(e)) {
    const errno = errnoOf(e);
    if (errno === "EPIPE") return { text: "", status: EXIT_BROKEN_PIPE };
    e = errno && /^E[A-Z0-9]+$/.test(errno) ? systemError(e, errno) : internalError(e, o.debug);
  }
  const err = e as SkiffError;
  if (err.code.startsWith("CLI_") && err.kind === "invalid_argument" && err.details.errno === undefined)
    return { text: `skiff: ${err.message}\n${err.hint ? `${err.hint}\n` : ""}`, status: err.details.exitStatus === 1 ? 1 : 125 };
  const fromDaemon = err.details.status !== undefined || err.details.stream === true;
  const stack = err.details.stack ? `\n${err.details.stack}` : "";
  return { text: `${fromDaemon ? "Error response from daemon: " : "Error: "}${err.message} ${origin(err)}${err.hint ? `\nhint: ${err.hint}` : ""}${stack}\n`, status: 1 };
}

const errnoNotInMessage = (e: SkiffError): string | undefined => (typeof e.details.errno === "string" && !e.message.includes(e.details.errno) ? e.details.errno : undefined);

/** "(layer: engine, code: ENGINE_IMAGE_NOT_FOUND)", with ", errno: ENOENT" when the message does not name it. */
const origin = (e: SkiffError): string => {
  const errno = errnoNotInMessage(e);
  return `(layer: ${e.layer}, code: ${e.code}${errno ? `, errno: ${errno}` : ""})`;
};

/** "LAYER: MESSAGE (CODE, ERRNO)" and "hint: …" below, as skiffd and skiff-oci print errors (SkiffError.format(), with the errno). */
export function formatError(e: SkiffError): string {
  const errno = errnoNotInMessage(e);
  return `${e.layer}: ${e.message} (${e.code}${errno ? `, ${errno}` : ""})${e.hint ? `\nhint: ${e.hint}` : ""}`;
}

/** An errno error of the CLI's own I/O (a file, stdout, the daemon's connection) as CLI_… with a hint. */
export function systemError(e: unknown, errno: string): SkiffError {
  const { syscall, path } = e as { syscall?: unknown; path?: unknown };
  const p = typeof path === "string" ? path : undefined;
  const call = typeof syscall === "string" ? syscall : undefined;
  const what = call && p ? `${call} "${p}"` : p ? `"${p}"` : call === "write" ? "write output" : call ? call : "I/O";
  const make = (code: string, kind: SkiffError["kind"], message: string, hint: string) =>
    new SkiffError({ layer: "cli", code, kind, message, hint, cause: e, details: { errno, ...(p ? { path: p } : {}), ...(call ? { syscall: call } : {}) } });
  switch (errno) {
    case "ECONNRESET":
    case "ECONNABORTED":
      return make("CLI_DAEMON_CONNECTION_LOST", "unavailable", "the connection to skiffd closed unexpectedly", "skiffd stopped or crashed meanwhile: check that it runs (its log says why), then retry");
    case "ENOSPC":
    case "EDQUOT":
      return make("CLI_NO_SPACE", "unavailable", `${what}: ${errnoText(errno)}`, p ? `free space on the file system of "${nodePath().dirname(p)}", or write elsewhere` : "free space on the file system the output goes to, or write elsewhere");
    case "ENOENT":
    case "ENOTDIR":
      return make("CLI_PATH_NOT_FOUND", "not_found", `${what}: ${errnoText(errno)}`, p ? `check the path: does the directory "${nodePath().dirname(p)}" exist?` : "check the paths given");
    case "EACCES":
    case "EPERM":
      return make("CLI_PERMISSION_DENIED", "failed_precondition", `${what}: ${errnoText(errno)}`, p ? `check the permissions of "${p}" and its directory, or choose another path` : "check the permissions of the paths given");
    case "EROFS":
      return make("CLI_READ_ONLY", "failed_precondition", `${what}: ${errnoText(errno)}`, "choose a path on a writable file system");
    case "EISDIR":
      return make("CLI_IS_A_DIRECTORY", "invalid_argument", `${what}: ${errnoText(errno)}`, "give a file's path, not a directory's");
    default:
      return make("CLI_IO_FAILED", "internal", `${what}: ${errnoText(errno)}`, "check the paths given and the file systems they are on");
  }
}

/** A programmer error (a bug): its message, and its stack only with --debug. */
function internalError(e: unknown, debug = false): SkiffError {
  const message = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  return new SkiffError({
    layer: "cli",
    code: "CLI_INTERNAL",
    kind: "internal",
    message: `internal error: ${message}`,
    hint: debug ? "this is a bug in skiff: please report it with the stack below" : "this is a bug in skiff: run again with -D (--debug) for the stack, and report it",
    cause: e,
    details: debug && e instanceof Error && e.stack ? { stack: e.stack } : {},
  });
}
