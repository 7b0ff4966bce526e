// Signal names and numbers for Linux x86_64/aarch64, as `kill` and runc accept them.
import { invalid } from "../common/errors.ts";

// (made on first use: `state`, `start` and `delete` never need it; issue 9)
const signalTable = (): Record<string, number> => ({
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
});
let SIGNALS: Record<string, number> | undefined;
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Whether s[from..] is one or more of 0-9 (/^\d+$/ from `from`). */
function digits(s: string, from = 0): boolean {
  if (s.length <= from) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses "KILL", "SIGKILL", "kill", "9", "RTMIN+3" into a signal number; with `zero`, 0 too (runc's
 *  kill takes it: the process is checked, not signalled). No regular expression:
 * `skiff-oci kill` is bound by start-up, and a compiled Bun's first regexp costs ~0.4 ms (issue 9). */
export function parseSignal(text: string, o: { zero?: boolean } = {}): number {
  if (digits(text)) {
    const n = Number(text);
    if ((n >= 1 || (n === 0 && o.zero)) && n <= SIGRTMAX) return n;
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith("SIG") ? upper.slice(3) : upper;
    const table = (SIGNALS ??= signalTable());
    if (name in table) return table[name]!;
    // RTMIN, RTMAX, and either with +N or -N
    const offset = name.slice(5);
    if ((name.startsWith("RTMIN") || name.startsWith("RTMAX")) && (offset === "" || ((offset[0] === "+" || offset[0] === "-") && digits(offset, 1)))) {
      const n = (name.startsWith("RTMIN") ? SIGRTMIN : SIGRTMAX) + (offset === "" ? 0 : Number(offset));
      if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    }
  }
  throw invalid("runtime", "RUNTIME_UNKNOWN_SIGNAL", `parse signal "${text}": not a signal name or number`, "use a name such as TERM or KILL, or a number from 1 to 64");
}

/** What `run` and `exec` in the foreground pass on to the container's process. SIGWINCH is not
 * among them: with a terminal the launcher resizes the pty, and the kernel tells the container. */
export const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/** Forwards FORWARDED_SIGNALS received by this process to pid until the returned stop(). */
export function forwardSignals(pid: number): () => void {
  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch {}
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  return () => {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  };
}
