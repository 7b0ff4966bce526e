// One attached session over a hijacked stream, as docker's hijackedIOStreamer: the daemon's bytes
// to our stdout (a tty's raw, else demultiplexed to stdout and stderr), our stdin to the daemon
// (its end sent as a half-close), and for a tty the terminal in raw mode with the detach keys
// (default ctrl-p,ctrl-q) watched for here. It ends when the output ends (the process exited or
// the daemon detached us), or when the detach keys were typed.
import { isatty } from "./termios.ts";
import { writeAll } from "../../common/stdio.ts";
import { invalid } from "../../common/errors.ts";
import { FrameDecoder, type HijackedStream } from "../../api/hijack-client.ts";
import { setRawTerminal } from "./terminal.ts";

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

const CTRL = ["@", ..."abcdefghijklmnopqrstuvwxyz", "[", "\\", "]", "^", "_"];

/** docker's term.ToBytes: "ctrl-p,ctrl-q" → [16, 17]; a single character stands for itself. */
export function detachKeyBytes(keys: string): number[] {
  return keys.split(",").map((key) => {
    if (key.length === 1) return key.charCodeAt(0);
    const code = key.startsWith("ctrl-") ? CTRL.indexOf(key.slice(5)) : -1;
    if (code < 0 || key.length !== 6)
      throw invalid("cli", "CLI_DETACH_KEYS_INVALID", `invalid detach keys ${JSON.stringify(keys)}: unknown character: '${key}'`, "a comma-separated list of single characters and ctrl-<a-z, @, [, \\, ], ^ or _> (e.g. ctrl-p,ctrl-q)");
    return code;
  });
}

/**
 * Finds the detach sequence in typed input across chunks. A byte that may begin the sequence is
 * held back until the next ones show whether it does: held bytes go on if the sequence breaks off.
 */
export class DetachMatcher {
  private matched = 0;

  constructor(private readonly keys: number[]) {}

  /** What to send on of `chunk`, and whether the sequence completed (what came before it is sent). */
  push(chunk: Uint8Array): { send: Uint8Array; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        if (++this.matched === this.keys.length) return { send: Uint8Array.from(out), detached: true };
        continue;
      }
      // the held bytes and this one: keep the longest tail that still begins the sequence
      const held = [...this.keys.slice(0, this.matched), b];
      let keep = held.length - 1;
      while (keep > 0 && !held.slice(held.length - keep).every((x, i) => x === this.keys[i])) keep--;
      out.push(...held.slice(0, held.length - keep));
      this.matched = keep;
    }
    return { send: Uint8Array.from(out), detached: false };
  }
}

export interface SessionOptions {
  stream: HijackedStream;
  tty: boolean;
  /** Copy our stdin to the stream. */
  stdin: boolean;
  /** Print the process's stdout and stderr (with a tty, both come as one stream on stdout). */
  stdout: boolean;
  stderr: boolean;
  /** Checked already (detachKeyBytes); the default when undefined. */
  detachKeys?: string;
}

export type SessionEnd = "ended" | "detached";

/** Runs the session to its end; the terminal is restored before this returns. */
export async function runSession(o: SessionOptions): Promise<SessionEnd> {
  const restore = o.tty && o.stdin && isatty(0) ? setRawTerminal() : () => {};
  let detach!: () => void;
  const detached = new Promise<SessionEnd>((r) => (detach = () => r("detached")));
  try {
    const output = o.stdout || o.stderr ? copyOutput(o) : undefined;
    const input = o.stdin ? copyInput(o, detach) : undefined;
    const inputDone = input ?? Promise.resolve();
    // without output to wait for, the session is over when stdin is
    const done = output ? output.then(() => "ended" as const) : inputDone.then(() => "ended" as const);
    const end = await Promise.race([done, detached]);
    if (end === "detached") o.stream.close();
    return end;
  } finally {
    restore();
  }
}

async function copyOutput(o: SessionOptions): Promise<void> {
  const decoder = o.tty ? undefined : new FrameDecoder();
  for await (const chunk of o.stream.output) {
    if (!decoder) {
      writeAll(1, chunk);
      continue;
    }
    for (const f of decoder.push(chunk)) {
      if (f.stream === 2) {
        if (o.stderr) writeAll(2, f.data);
      } else if (o.stdout) writeAll(1, f.data);
    }
  }
  decoder?.end();
}

/** stdin to the stream until its end (then a half-close) or the detach keys (tty only, as docker). */
async function copyInput(o: SessionOptions, detach: () => void): Promise<void> {
  const matcher = o.tty ? new DetachMatcher(detachKeyBytes(o.detachKeys || DEFAULT_DETACH_KEYS)) : undefined;
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (!matcher) {
      await o.stream.write(bytes);
      continue;
    }
    const { send, detached } = matcher.push(bytes);
    if (send.length) await o.stream.write(send);
    if (detached) return detach();
  }
  o.stream.closeWrite();
}
