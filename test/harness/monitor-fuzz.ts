// The monitor fuzzed, run briefly by test/monitor.test.ts and long by scripts/fuzz.ts.
// - json-file: any lines of bytes (controls, HTML characters, broken and valid UTF-8, U+2028/9,
//   lines past 16 KiB), written in any chunk size, come back one entry per line (or per 16 KiB
//   piece) whose "log" string is exactly what docker's encoder writes. The reference encoder below
//   is written from docker's rules (jsonlog's ffjsonWriteJSONBytesAsString), apart from the C one.
// - hostile clients: whatever bytes clients send on the socket, however they leave, the container
//   runs, exits with its status and is logged whole, and the monitor ends.
import fc from "fast-check";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { connectMonitor, readExitFile, startMonitor, waitExit } from "../../src/engine/containers/monitor/index.ts";
import { fakeCreate, monitorConfig, monitorsAlive, readLog, until } from "./monitor.ts";

const PIECE = 16384;

/** docker's JSON string of bytes: HTML characters and controls as \u00XX (\n, \r, \", \\ short),
 *  each byte of invalid UTF-8 as \ufffd, U+2028/9 escaped. */
export function dockerString(b: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
      else if (c === 0x0a) out += "\\n";
      else if (c === 0x0d) out += "\\r";
      else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) out += `\\u00${c.toString(16).padStart(2, "0")}`;
      else out += String.fromCharCode(c);
      i++;
      continue;
    }
    const n = validUtf8Length(b, i);
    if (!n) {
      out += "\\ufffd";
      i++;
      continue;
    }
    const text = new TextDecoder().decode(b.subarray(i, i + n));
    out += text === "\u2028" ? "\\u2028" : text === "\u2029" ? "\\u2029" : text;
    i += n;
  }
  return `${out}"`;
}

/** The length of the UTF-8 sequence at i if the Unicode standard's table 3-7 allows it, else 0. */
function validUtf8Length(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const tail: [number, number] = [0x80, 0xbf];
  const ranges: [number, number][] =
    c >= 0xc2 && c <= 0xdf ? [tail]
    : c === 0xe0 ? [[0xa0, 0xbf], tail]
    : (c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef ? [tail, tail]
    : c === 0xed ? [[0x80, 0x9f], tail]
    : c === 0xf0 ? [[0x90, 0xbf], tail, tail]
    : c >= 0xf1 && c <= 0xf3 ? [tail, tail, tail]
    : c === 0xf4 ? [[0x80, 0x8f], tail, tail]
    : [];
  if (!ranges.length) return 0;
  for (let k = 0; k < ranges.length; k++) {
    const x = b[i + 1 + k];
    if (x === undefined || x < ranges[k]![0] || x > ranges[k]![1]) return 0;
  }
  return ranges.length + 1;
}

const SPECIAL = [0x00, 0x01, 0x09, 0x0d, 0x1f, 0x22, 0x26, 0x3c, 0x3e, 0x5c, 0x7f, 0x80, 0xa8, 0xa9, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];

/** One line's bytes (never a newline). */
const line: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.array(fc.constantFrom(...SPECIAL), { maxLength: 200 }).map((a) => Uint8Array.from(a)),
    fc.array(fc.oneof(fc.constantFrom(...SPECIAL).map((b) => [b]), fc.constantFrom([0xe2, 0x80, 0xa8], [0xe2, 0x80, 0xa9], [0xf0, 0x9f, 0x98, 0x80], [0xed, 0xa0, 0x80], [0xe0, 0x80, 0xaf], [0xc3, 0xa9])), { maxLength: 60 }).map((a) => Uint8Array.from(a.flat())),
    fc.string({ unit: "binary", maxLength: 200 }).map((s) => new Uint8Array(Buffer.from(s))),
    fc.integer({ min: PIECE - 3, max: 3 * PIECE + 5 }).map((n) => new Uint8Array(Buffer.alloc(n, "€"))), // pieces cut inside a character
  )
  .map((b) => b.map((x) => (x === 0x0a ? 0x0b : x)));

export function jsonLogProperty() {
  return fc.asyncProperty(fc.array(line, { maxLength: 25 }), fc.integer({ min: 7, max: 70_000 }), async (lines, chunk) => {
    const c = monitorConfig({ pidFile: undefined });
    try {
      writeFileSync(c.abs("input"), Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\n")])));
      const m = startMonitor(c, { argv: ["dd", `if=${c.abs("input")}`, `bs=${chunk}`, "status=none"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
      await m.ready;
      await waitExit(c.abs(c.socket), c.abs(c.exitFile));
      const entries = readFileSync(c.abs("ctr.log"), "utf8").split("\n").slice(0, -1);
      const expected = lines.flatMap((l) => {
        const whole = Buffer.concat([l, Buffer.from("\n")]);
        const pieces: string[] = [];
        for (let o = 0; o < whole.length; o += PIECE) pieces.push(dockerString(whole.subarray(o, o + PIECE)));
        return pieces;
      });
      if (entries.length !== expected.length) throw new Error(`${entries.length} entries for ${expected.length} lines and pieces: ${entries.map((e) => e.length + ":" + e.slice(0, 30) + "…" + e.slice(-80)).join("\n")}`);
      entries.forEach((raw, i) => {
        const head = `{"log":${expected[i]},"stream":"stdout","time":"`;
        if (!raw.startsWith(head) || !/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z"\}$/.test(raw))
          throw new Error(`entry ${i}:\n  got      ${raw.slice(0, 400)}\n  expected ${head.slice(0, 400)}…`);
        JSON.parse(raw);
      });
    } finally {
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
}

/** Runs the property; a failure throws one readable error: the seed and path that replay it, the
 *  lines' lengths and the first difference (the bytes themselves run to megabytes). */
export async function checkJsonLog(runs: number, seed: number): Promise<void> {
  const d = await fc.check(jsonLogProperty(), { numRuns: runs, seed });
  if (!d.failed) return;
  const [lines, chunk] = (d.counterexample ?? [[], 0]) as [Uint8Array[], number];
  const shape = lines.map((l) => (l.length > 64 ? `${l.length} bytes` : Buffer.from(l).toString("hex"))).join(", ");
  throw new Error(`json-file fuzz failed (seed ${seed}, path ${d.counterexamplePath}): lines [${shape}] written ${chunk} bytes at a time:\n${String(d.errorInstance).slice(0, 3000)}`);
}

const clientAction = fc.record({
  bytes: fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer(), fc.integer(), fc.integer()).map(([t, a, b, c]) => {
      const r = Buffer.alloc(16);
      r.writeUInt32LE(t, 0), r.writeInt32LE(a, 4), r.writeInt32LE(b, 8), r.writeInt32LE(c, 12);
      return new Uint8Array(r);
    }),
  ),
  then: fc.constantFrom("destroy", "end", "keep"),
});

export function hostileClientsProperty() {
  return fc.asyncProperty(fc.array(clientAction, { maxLength: 12 }), async (actions) => {
    const c = monitorConfig({ stdin: true });
    const kept: Socket[] = [];
    try {
      const m = startMonitor(c, { argv: fakeCreate(["sh", "-c", "echo ok; exit 4"]), env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
      await m.ready;
      for (const a of actions) {
        const s = await connectMonitor(c.abs(c.socket));
        s.on("error", () => {}).on("data", () => {});
        s.write(a.bytes);
        if (a.then === "destroy") s.destroy();
        else if (a.then === "end") s.end();
        kept.push(s);
      }
      writeFileSync(c.abs("start"), "\n");
      await until("the exit file", () => existsSync(c.abs(c.exitFile)));
      const code = readExitFile(c.abs(c.exitFile))?.exitCode;
      if (code !== 4) throw new Error(`exit code ${code}, not 4`);
      for (const s of kept) s.destroy();
      await until("the monitor to end", () => monitorsAlive().length === 0);
      const logged = readLog(c.abs("ctr.log")).map((e) => e.log);
      if (logged.join("|") !== "ok\n") throw new Error(`logged ${JSON.stringify(logged)}`);
    } finally {
      for (const s of kept) s.destroy();
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
}
