import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readLog, type LogEntry, type LogOptions } from "./logs.ts";

const dir = `/tmp/skiff-test-${process.pid}/logs`;
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

type Line = { stream: "stdout" | "stderr"; log: string; t: number };
const time = (t: number) => new Date(1_700_000_000_000 + t * 1000).toISOString().replace("Z", "000000Z");
const jsonLine = (l: Line) => JSON.stringify({ log: l.log, stream: l.stream, time: time(l.t) }) + "\n";

/** Writes the lines over `files` files (oldest first as .N … .1, then the live one). */
function write(lines: Line[], files = 1, torn = ""): string {
  const path = join(dir, `c${n++}-json.log`);
  const per = Math.ceil(lines.length / files) || 1;
  for (let f = 0; f < files; f++) {
    const chunk = lines.slice(f * per, (f + 1) * per).map(jsonLine).join("");
    const name = f === files - 1 ? path : `${path}.${files - 1 - f}`;
    writeFileSync(name, chunk);
  }
  if (torn) appendFileSync(path, torn);
  return path;
}

async function read(path: string, o: Partial<LogOptions>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readLog(path, { stdout: true, stderr: true, ...o })) out.push(`${e.stream}:${e.line.toString()}`);
  return out;
}

/** What reading should give, worked out on the lines themselves. */
function expected(lines: Line[], o: Partial<LogOptions>): string[] {
  let sel: Line[] = [];
  for (const l of lines) {
    const at = 1_700_000_000 + l.t;
    if (o.until !== undefined && at > o.until) break;
    if ((l.stream === "stdout" ? (o.stdout ?? true) : (o.stderr ?? true)) && (o.since === undefined || at >= o.since)) sel.push(l);
  }
  if (o.tail !== undefined) sel = o.tail <= 0 ? [] : sel.slice(-o.tail);
  return sel.map((l) => `${l.stream}:${l.log}`);
}

test("a log across rotated files, by stream, since, until and tail; a torn last line is left out", async () => {
  const lines: Line[] = Array.from({ length: 50 }, (_, i) => ({ stream: i % 3 ? "stdout" : "stderr", log: `line ${i}\n`, t: i }));
  const path = write(lines, 3, '{"log":"half');
  expect(await read(path, {})).toEqual(expected(lines, {}));
  expect(await read(path, { stderr: false })).toEqual(expected(lines, { stderr: false }));
  expect(await read(path, { tail: 7 })).toEqual(expected(lines, { tail: 7 }));
  expect(await read(path, { tail: 7, stdout: false })).toEqual(expected(lines, { tail: 7, stdout: false }));
  expect(await read(path, { since: 1_700_000_010, until: 1_700_000_020 })).toEqual(expected(lines, { since: 1_700_000_010, until: 1_700_000_020 }));
  expect(await read(path, { tail: 0 })).toEqual([]);
});

test("fuzz: lines of any length and any chunking read back the same forwards and by --tail", async () => {
  // (a few lines longer than a read chunk, so that lines cross chunk boundaries both ways)
  const long = fc.integer({ min: 60_000, max: 140_000 }).map((len) => `${"y".repeat(len)}\n`);
  const line = fc.record({ stream: fc.constantFrom("stdout", "stderr"), log: fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: 80 }) }, { weight: 1, arbitrary: long }), t: fc.nat(100) });
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 45 }), async (raw, files, tail) => {
      const lines = raw.map((l, i) => ({ ...l, t: i })) as Line[];
      const path = write(lines, files);
      expect(await read(path, {})).toEqual(expected(lines, {}));
      expect(await read(path, { tail })).toEqual(expected(lines, { tail }));
    }),
    { numRuns: 60, seed: 8 },
  );
}, 60_000);

test("follow: new lines as they come, until the container has stopped and the file is drained", async () => {
  const path = write([{ stream: "stdout", log: "first\n", t: 0 }]);
  let running = true;
  const got: string[] = [];
  const reader = (async () => {
    for await (const e of readLog(path, { stdout: true, stderr: true, follow: true, running: () => running })) got.push(e.line.toString());
  })();
  await Bun.sleep(80);
  appendFileSync(path, jsonLine({ stream: "stdout", log: "second\n", t: 1 }));
  await Bun.sleep(120);
  expect(got).toEqual(["first\n", "second\n"]);
  appendFileSync(path, jsonLine({ stream: "stderr", log: "last\n", t: 2 }));
  running = false;
  await reader;
  expect(got).toEqual(["first\n", "second\n", "last\n"]);
});

test("a big log with --tail reads only its end (fast, whatever the size)", async () => {
  const path = join(dir, "big-json.log");
  const one = (i: number) => jsonLine({ stream: "stdout", log: `${i} ${"x".repeat(100)}\n`, t: 0 });
  writeFileSync(path, Array.from({ length: 200_000 }, (_, i) => one(i)).join(""));
  const started = performance.now();
  const got = await read(path, { tail: 3 });
  expect(got.map((l) => l.split(" ")[0])).toEqual(["stdout:199997", "stdout:199998", "stdout:199999"]);
  expect(performance.now() - started).toBeLessThan(200);
});
