// What skiff-oci does around every command, whichever parser read its command line (main.ts, or
// short.ts for the plain calls of the short commands): the state root's default, and the report
// of a failure (the --debug trace, then the error as runc's callers read it).
import { errnoOf } from "../../common/errno.ts";
import { isSkiffError } from "../../common/errors.ts";
import { log } from "../../common/log.ts";
import { EXIT_BROKEN_PIPE } from "../../common/stdio.ts";
import { mark, traceLine } from "../../common/trace.ts";

/** As runc: /run/skiff-oci for root; a non-root user's own $XDG_RUNTIME_DIR/skiff-oci. */
export function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return process.geteuid?.() !== 0 && xdg ? `${xdg.replace(/\/+$/, "")}/skiff-oci` : "/run/skiff-oci";
}

/** After a command ran: its trace under --debug (only then made: traceLine's first call costs). */
export function traced(code: number, debug: boolean): number {
  if (debug) log.debug(`trace: ${traceLine()}`);
  return code;
}

/** Logs a failed command's error and returns the exit status. */
export function reportFailure(e: unknown, failureStatus: number): number {
  // the trace up to the failure is what --debug is for on a failing call
  const step = isSkiffError(e) && e.details.step ? ` at step ${e.details.step}` : "";
  mark(`failed${step}${isSkiffError(e) ? ` (${e.code})` : ""}`);
  log.debug(`trace: ${traceLine()}`);
  if (isSkiffError(e)) {
    log.error(e.format(), { code: e.code, layer: e.layer });
    return failureStatus;
  }
  const code = errnoOf(e);
  // the reader of our output went away (`events | head`): no error of ours, ended quietly with the
  // status a shell shows for runc, which SIGPIPE kills there
  if (code === "EPIPE") return EXIT_BROKEN_PIPE;
  if (code) {
    // a system error the runtime did not wrap: the path and errno are what the user needs
    log.error(`kernel: ${(e as Error).message} (${code})\nhint: check the path and its permissions`);
    return failureStatus;
  }
  log.error(`internal error: ${(e as Error).stack ?? e}`);
  return failureStatus;
}
