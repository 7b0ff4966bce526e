// A wait status (as waitpid(2) gives it, and as the monitor records it) in docker's terms: the
// exit code, or 128 + the signal that killed the process; 255 for an exit the monitor could not
// learn (NO_INIT_STATUS), as docker reports a container whose exit was lost.
import { constants } from "node:os";
import { NO_INIT_STATUS } from "./protocol.ts";

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export interface WaitStatus {
  /** docker's exit code: the process's own, or 128 + signal. */
  exitCode: number;
  /** The signal that killed it, if one did. */
  signal?: number;
  coreDumped?: boolean;
}

export function decodeWait(status: number): WaitStatus {
  if (status === NO_INIT_STATUS) return { exitCode: 255 };
  const sig = status & 0x7f;
  if (sig === 0) return { exitCode: (status >> 8) & 0xff };
  return { exitCode: 128 + sig, signal: sig, coreDumped: (status & 0x80) !== 0 };
}

export const exitCodeOf = (status: number): number => decodeWait(status).exitCode;

/** "exited with status 3", "was killed by SIGKILL". */
export function describeWait(status: number): string {
  if (status === NO_INIT_STATUS) return "ended unseen: no pid file named its process";
  const w = decodeWait(status);
  if (w.signal === undefined) return `exited with status ${w.exitCode}`;
  return `was killed by ${SIGNAL_NAMES.get(w.signal) ?? `signal ${w.signal}`}${w.coreDumped ? " (core dumped)" : ""}`;
}
