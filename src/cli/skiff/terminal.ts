// The CLI's own terminal for run, start, attach and exec: raw mode while a tty session runs (always
// restored: on the session's end, on exit, on a signal), the window's size and its changes
// (SIGWINCH → a resize request, as docker's MonitorTtySize), and the signals skiff forwards to the
// container with --sig-proxy (docker forwards every signal but SIGCHLD, SIGPIPE and SIGURG).
import type { ReadStream, WriteStream } from "node:tty";
import { isatty, makeRaw } from "./termios.ts";

/** stdout's [rows, columns] when it is a terminal. */
export function ttySize(): [number, number] | undefined {
  if (!isatty(1)) return undefined;
  const out = process.stdout as WriteStream;
  const [cols, rows] = out.getWindowSize?.() ?? [out.columns, out.rows];
  return rows && cols ? [rows, cols] : undefined;
}

let restoreRaw: (() => void) | undefined;

/**
 * Puts stdin (a terminal) in raw mode as docker does (termios.ts: output processing off too); the
 * function returned restores it, once, whatever calls it first.
 */
export function setRawTerminal(): () => void {
  if (!isatty(0)) return () => {};
  const stdin = process.stdin as ReadStream;
  // without libc, the runtime's raw mode (its output keeps turning "\n" into "\r\n")
  const putBack = makeRaw(0) ?? (stdin.setRawMode ? (stdin.setRawMode(true), () => void stdin.setRawMode(false)) : undefined);
  if (!putBack) return () => {};
  let done = false;
  const restore = () => {
    if (done) return;
    done = true;
    restoreRaw = undefined;
    process.off("exit", restore);
    try {
      putBack();
    } catch {
      // the terminal is gone (hung up): nothing to restore
    }
  };
  restoreRaw = restore;
  process.on("exit", restore);
  return restore;
}

/** Restores the terminal if a session left it raw (before printing an error). */
export const restoreTerminal = (): void => restoreRaw?.();

/**
 * Keeps the container's (or exec's) tty at the terminal's size: once now, then on every SIGWINCH.
 * `bump` first sets a size one larger (docker's attach does, so that a program redraws on reattach).
 * A failing resize is retried a few times (the process may not have started yet), then left.
 */
export function monitorTtySize(resize: (rows: number, cols: number) => Promise<void>, o: { bump?: boolean } = {}): () => void {
  const apply = async (bump = false) => {
    const size = ttySize();
    if (!size) return;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        return await resize(size[0] + (bump ? 1 : 0), size[1] + (bump ? 1 : 0));
      } catch {
        await Bun.sleep((attempt + 1) * 10);
      }
    }
  };
  const onWinch = () => void apply();
  void (o.bump ? apply(true).then(() => apply()) : apply());
  process.on("SIGWINCH", onWinch);
  return () => void process.off("SIGWINCH", onWinch);
}

/** The signals forwarded to the container by --sig-proxy, by docker's names (the kill request's). */
const FORWARDED = ["HUP", "INT", "QUIT", "TRAP", "ABRT", "USR1", "USR2", "ALRM", "TERM", "STKFLT", "CONT", "TSTP", "TTIN", "TTOU", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"];

/**
 * Forwards the signals skiff receives to the container (POST /containers/{id}/kill?signal=NAME), as
 * docker's ForwardAllSignals: while this runs, skiff itself is not interrupted, stopped or ended
 * by them. Returns the function that stops forwarding.
 */
export function forwardSignals(kill: (signal: string) => Promise<void>): () => void {
  const handlers = FORWARDED.map((name) => {
    const handler = () => void kill(name).catch(() => {});
    process.on(`SIG${name}` as NodeJS.Signals, handler);
    return [name, handler] as const;
  });
  return () => {
    for (const [name, handler] of handlers) process.off(`SIG${name}` as NodeJS.Signals, handler);
  };
}
