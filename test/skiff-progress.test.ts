// What a user sees from `skiff pull` and `skiff push`: the real bin/skiff against a running skiffd,
// on a real pseudo-terminal (test/fixtures/pty-run.py) and through a pipe. The terminal output is
// rendered by a small screen model (the sequences the display may use: CR, LF, ESC[nA/B/G, ESC[nK)
// into what the screen shows after every update and at the end. A TCP proxy that throttles the
// registry's answers and the requests' bodies makes a download or an upload last long enough to be
// seen half done, with the speed the display measures.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildTar } from "../src/engine/archive/index.ts";
import { busyboxLayers, pushBusybox, type BuiltImage } from "../src/engine/images/testing/busybox.ts";
import { RegistryClient } from "../src/engine/registry/index.ts";
import { startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { pseudoRandom } from "../src/engine/registry/testing/test-image.ts";
import { removeDir, SKIFF, startSkiffd, type Skiffd } from "./harness/skiffd.ts";
import { startThrottle, type Throttle } from "./harness/throttle.ts";

const PTY_RUN = join(import.meta.dir, "fixtures/pty-run.py");
/** Incompressible, so the gzip layer stays this big and takes a while through the proxy. */
const RANDOM_BYTES = 4_000_000;
/** The proxy sends the registry's answers at 64 KiB per 20 ms (~3 MB/s): ~1.3 s for the big layer. */
const THROTTLE = { bytesPerTick: 64 * 1024, tickMs: 20 };
const THROTTLE_RATE = (THROTTLE.bytesPerTick * 1000) / THROTTLE.tickMs;
/** The layer pushed through the proxy: the daemon's socket buffer takes the first ~4 MB of an
 * upload at once, the rest goes at the proxy's pace (~2.5 s). */
const UPLOAD_BYTES = 12_000_000;

// ---------------------------------------------------------------------------------------------
// A screen model: enough of a VT100 for the display, strict about everything else.

class Screen {
  private lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  /** First row of the visible screen (rows above it have scrolled off). */
  private top = 0;
  /** xterm's deferred wrap: a character in the last column wraps only when another follows. */
  private wrapPending = false;
  private rest = "";
  /** How often a line was longer than the terminal and went on in the next row. */
  wraps = 0;

  constructor(
    readonly cols: number,
    readonly rows: number,
    private readonly onUpdate: (s: Screen) => void = () => {},
  ) {}

  /** Output as it arrives; an escape sequence may be split between two calls. */
  feed(text: string): void {
    const s = this.rest + text;
    this.rest = "";
    for (let i = 0; i < s.length; ) {
      const c = s[i]!;
      if (c === "\x1b") {
        const m = /^\x1b\[([0-9]*)([\x40-\x7e])/.exec(s.slice(i, i + 12));
        if (!m) {
          if (/^\x1b(\[[0-9]*)?$/.test(s.slice(i))) {
            this.rest = s.slice(i);
            return;
          }
          throw new Error(`the display wrote an escape sequence the test does not expect: ${JSON.stringify(s.slice(i, i + 10))}`);
        }
        this.csi(m[2]!, m[1] === "" ? undefined : Number(m[1]));
        i += m[0].length;
        continue;
      }
      if (c === "\r") this.moveTo(this.row, 0);
      else if (c === "\n") {
        this.lineFeed();
        this.onUpdate(this);
      } else if (c < " " || c === "\x7f") throw new Error(`the display wrote a control character the test does not expect: ${JSON.stringify(c)}`);
      else this.print(c);
      i++;
    }
  }

  private csi(final: string, n: number | undefined): void {
    const count = Math.max(1, n ?? 1);
    switch (final) {
      case "A":
        this.moveTo(Math.max(this.top, this.row - count), this.col);
        break;
      case "B":
        this.moveTo(Math.min(this.top + this.rows - 1, this.row + count), this.col);
        this.onUpdate(this); // the display moves back down when it has redrawn a line
        break;
      case "G":
        this.moveTo(this.row, Math.min(this.cols, count) - 1);
        break;
      case "K": {
        const line = this.lines[this.row]!;
        if ((n ?? 0) === 0) line.length = Math.min(line.length, this.col);
        else if (n === 1) for (let i = 0; i <= this.col && i < line.length; i++) line[i] = " ";
        else if (n === 2) line.length = 0;
        else throw new Error(`ESC[${n}K: not an erase-line mode`);
        break;
      }
      default:
        throw new Error(`the display wrote ESC[${n ?? ""}${final}, a sequence the test does not expect`);
    }
  }

  private moveTo(row: number, col: number): void {
    this.row = row;
    this.col = col;
    this.wrapPending = false;
    while (this.lines.length <= row) this.lines.push([]);
  }

  private lineFeed(): void {
    const row = this.row + 1;
    if (row >= this.top + this.rows) this.top = row - this.rows + 1;
    this.moveTo(row, this.col);
  }

  private print(c: string): void {
    if (this.wrapPending) {
      this.wraps++;
      this.lineFeed();
      this.moveTo(this.row, 0);
    }
    const line = this.lines[this.row]!;
    while (line.length < this.col) line.push(" ");
    line[this.col] = c;
    if (this.col === this.cols - 1) this.wrapPending = true;
    else this.col++;
  }

  /** Every row written so far (scrolled-off ones too), without trailing blanks and empty last rows. */
  text(): string[] {
    const out = this.lines.map((l) => Array.from(l, (c) => c ?? " ").join("").trimEnd());
    while (out.length && out.at(-1) === "") out.pop();
    return out;
  }
}

describe("the screen model", () => {
  test("draws lines in place with CR, LF, cursor up/down/column and erase-line", () => {
    const frames: string[][] = [];
    const s = new Screen(20, 5, (x) => frames.push(x.text()));
    s.feed("head\r\n\r\n\x1b[1A\x1b[2K\ra: one \r\x1b[1B\r\n\x1b[1A\x1b[2K\rb: one \r\x1b[1B");
    s.feed("\x1b[2A\x1b[2K\ra: twotwo\r\x1b[2");
    s.feed("B\x1b[1A\x1b[2K\rb: x\x1b[2G!\x1b[K\r\x1b[1Btail\r\n");
    expect(s.text()).toEqual(["head", "a: twotwo", "b!", "tail"]);
    expect(frames).toContainEqual(["head", "a: one", "b: one"]);
    expect(s.wraps).toBe(0);
  });

  test("wraps a line longer than the terminal and scrolls; refuses sequences it does not know", () => {
    const s = new Screen(4, 2);
    s.feed("abcd");
    expect(s.wraps).toBe(0); // deferred wrap: the cursor waits in the last column
    s.feed("ef\r\ngh\x1b[5Ax");
    expect(s.wraps).toBe(1);
    expect(s.text()).toEqual(["abcd", "efx", "gh"]); // cursor up stops at the screen's top row, "ef"
    expect(() => new Screen(10, 2).feed("\x1b[?25l")).toThrow("does not expect");
    expect(() => new Screen(10, 2).feed("a\tb")).toThrow("control character");
  });
});

// ---------------------------------------------------------------------------------------------
// A TCP proxy (test/fixtures/throttle-proxy.py) that passes the registry's answers and the requests
// slowly, with small fixed receive buffers: in this process, a paused socket's receive buffer grows
// to many MB and would take a whole upload at once.


// ---------------------------------------------------------------------------------------------
// The daemon, the registry with an image of three busybox layers and a random one, bin/skiff.

let d: Skiffd;
let registry: RegistryServer;
let proxy: Throttle;
let image: BuiltImage;
/** Short ids and compressed sizes of the image's layers, in manifest order. */
let layers: { id: string; size: number }[];
let big: { id: string; size: number };
/** An image of one random layer, bigger, for the upload through the proxy. */
let bigger: { image: BuiltImage; id: string; size: number };

beforeAll(async () => {
  d = await startSkiffd();
  registry = await startRegistry({ dir: join(d.dir, "registry") });
  const tars = [...busyboxLayers(), buildTar([{ name: "data/", type: "dir" }, { name: "data/random", type: "file", data: pseudoRandom(RANDOM_BYTES, 42) }])];
  image = await pushBusybox(new RegistryClient({ domain: registry.domain }), join(d.dir, "src"), "test/big", "1", tars);
  layers = image.layerDigests.map((digest, i) => ({ id: digest.slice("sha256:".length, "sha256:".length + 12), size: gzipSync(tars[i]!).byteLength }));
  big = layers.at(-1)!;
  const upload = buildTar([{ name: "data/", type: "dir" }, { name: "data/upload", type: "file", data: pseudoRandom(UPLOAD_BYTES, 7) }]);
  const biggerImage = await pushBusybox(new RegistryClient({ domain: registry.domain }), join(d.dir, "src-bigger"), "test/bigger", "1", [upload]);
  bigger = { image: biggerImage, id: biggerImage.layerDigests[0]!.slice("sha256:".length, "sha256:".length + 12), size: gzipSync(upload).byteLength };
  proxy = await startThrottle(Number(registry.domain.split(":")[1]), THROTTLE);
});

afterAll(async () => {
  await d?.stop();
  await proxy?.stop();
  await registry?.stop();
  if (d) removeDir(d.dir);
});

interface Run {
  status: number;
  /** stdout as it arrived, with the milliseconds since the start. */
  chunks: { at: number; text: string }[];
  stdout: string;
  stderr: string;
  ms: number;
}

/** bin/skiff ARGS, its stdout a pipe, or a pty of `pty.cols` columns (stderr goes there too then).
 * Asynchronous, so each chunk of output is timed as it arrives. */
async function skiff(args: string[], pty?: { cols: number; rows: number }): Promise<Run> {
  const cli = [SKIFF, "-H", `unix://${d.sock}`, ...args];
  const argv = pty ? ["python3", PTY_RUN, String(pty.cols), String(pty.rows), ...cli] : cli;
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), TERM: "xterm" };
  const t0 = performance.now();
  const p = Bun.spawn(argv, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const stderr = new Response(p.stderr).text();
  const chunks: Run["chunks"] = [];
  const dec = new TextDecoder();
  for await (const b of p.stdout) chunks.push({ at: performance.now() - t0, text: dec.decode(b, { stream: true }) });
  const status = await p.exited;
  return { status, chunks, stdout: chunks.map((c) => c.text).join(""), stderr: await stderr, ms: performance.now() - t0 };
}

const ok = (r: Run): Run => {
  if (r.status !== 0) throw new Error(`bin/skiff exited with ${r.status}: ${r.stderr}${r.stdout}`);
  return r;
};

/** Every frame a terminal of that size showed (after each redrawn line and each new line), with its time. */
function render(r: Run, cols: number, rows: number): { frames: { at: number; lines: string[] }[]; final: string[]; wraps: number } {
  const frames: { at: number; lines: string[] }[] = [];
  let at = 0;
  const screen = new Screen(cols, rows, (s) => frames.push({ at, lines: s.text() }));
  for (const c of r.chunks) {
    at = c.at;
    screen.feed(c.text);
  }
  return { frames, final: screen.text(), wraps: screen.wraps };
}

/** Removes every image, so the next pull downloads every layer again. */
function forgetImages(): void {
  const names = d.skiff(["images", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split("\n").filter(Boolean);
  for (const name of names) expect(d.skiff(["rmi", name]).status).toBe(0);
  expect(d.skiff(["images", "-qa"]).stdout).toBe("");
}

/** "1.234MB" → 1234000: docker's decimal units (go-units HumanSize, 4 significant digits). */
function bytesOf(human: string): number {
  const m = /^(\d+(?:\.\d+)?)(B|kB|MB|GB)$/.exec(human);
  if (!m) throw new Error(`not a size as docker prints it: ${JSON.stringify(human)}`);
  return Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as "B"];
}

/** The size as printed is the real one to 4 significant digits. */
const sameSize = (printed: string, size: number) => Math.abs(bytesOf(printed) - size) <= size * 5e-4 + 0.5;

const LAYER_LINE = /^([0-9a-f]{12}): (.*)$/;
/** A layer's line with byte counts in a terminal: status, counts, and the speed the display measured. */
const COUNTS = /^(\S+(?: \S+)*?)(?: +(\d\S*)\/(\S+)(?: {2}(\d+(?:\.\d+)?(?:B|kB|MB|GB))\/s)?)?$/;
const PULL_STATUS = /^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete)$/;

// ---------------------------------------------------------------------------------------------

describe("skiff pull", () => {
  test("in a terminal: one line per layer redrawn in place, bytes while it downloads, every layer complete at the end", async () => {
    forgetImages();
    const ref = `${proxy.domain}/test/big:1`;
    const cols = 80;
    const rows = 24;
    const r = ok(await skiff(["pull", ref], { cols, rows }));
    const { frames, final, wraps } = render(r, cols, rows);

    // The final screen, as docker leaves it: each layer on its own line, complete; no line twice.
    expect(final).toEqual(["1: Pulling from test/big", ...layers.map((l) => `${l.id}: Pull complete`), `Digest: ${image.manifestDigest}`, `Status: Downloaded newer image for ${ref}`, ref]);
    // Redrawn in place: the cursor goes up to a layer's line and back down, many times.
    expect(r.stdout.match(/\x1b\[\d+A/g)?.length ?? 0).toBeGreaterThan(2 * layers.length);
    // Nothing was wider than the terminal (a wrapped line breaks the cursor arithmetic).
    expect(wraps).toBe(0);

    // Every frame: the header, then at most one line per layer, in manifest order, each a status
    // docker uses; bytes as docker prints them, and no bar in 80 columns (docker: over 110 only).
    const partial: { at: number; current: number }[] = [];
    const speeds: { at: number; current: number; speed: number }[] = [];
    let extracting = false;
    for (const f of frames) {
      expect(f.lines[0]).toBe("1: Pulling from test/big");
      const ids = f.lines.filter((l) => LAYER_LINE.test(l)).map((l) => LAYER_LINE.exec(l)![1]!);
      expect(ids).toEqual(layers.map((l) => l.id).slice(0, ids.length));
      for (const line of f.lines.slice(1, 1 + ids.length)) {
        const [, id, rest] = LAYER_LINE.exec(line)!;
        const layer = layers.find((l) => l.id === id)!;
        const parsed = COUNTS.exec(rest!);
        expect(parsed).not.toBeNull();
        const m = parsed!;
        expect(m[1]).toMatch(PULL_STATUS);
        expect(rest).not.toContain("[");
        if (m[2] === undefined) continue;
        expect(["Downloading", "Extracting"]).toContain(m[1]!);
        expect(sameSize(m[3]!, layer.size)).toBe(true);
        expect(bytesOf(m[2])).toBeLessThanOrEqual(bytesOf(m[3]!));
        if (id === big.id && m[1] === "Downloading" && bytesOf(m[2]) < bytesOf(m[3]!)) {
          partial.push({ at: f.at, current: bytesOf(m[2]) });
          if (m[4] !== undefined) speeds.push({ at: f.at, current: bytesOf(m[2]), speed: bytesOf(m[4]) });
        }
        if (id === big.id && m[1] === "Extracting") extracting = true;
      }
    }
    // The big layer was seen half downloaded, the count growing, well before the pull ended
    // (the display is live, not written at the end).
    expect(partial.length).toBeGreaterThanOrEqual(3);
    expect(new Set(partial.map((p) => p.current)).size).toBeGreaterThanOrEqual(3);
    expect(partial.map((p) => p.current)).toEqual(partial.map((p) => p.current).sort((a, b) => a - b));
    expect(r.ms - partial[0]!.at).toBeGreaterThan(300);
    expect(extracting).toBe(true);
    // Half a second into the download the line shows its speed ("  3.1MB/s" after the counts):
    // about the proxy's pace, never more than the bytes so far over the time since the first count.
    expect(speeds.length).toBeGreaterThan(0);
    for (const s of speeds) {
      expect(s.at - partial[0]!.at).toBeGreaterThan(400);
      expect(s.speed).toBeGreaterThan(THROTTLE_RATE / 10);
      expect(s.speed).toBeLessThan(THROTTLE_RATE * 2);
    }
  }, 60_000);

  test("through a pipe: plain lines, no escape sequences, no byte counts", async () => {
    forgetImages();
    const ref = `${proxy.domain}/test/big:1`;
    const r = ok(await skiff(["pull", ref]));
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/); // no ESC, no CR: only text and LF
    const lines = r.stdout.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toBe("1: Pulling from test/big");
    expect(lines.slice(-3)).toEqual([`Digest: ${image.manifestDigest}`, `Status: Downloaded newer image for ${ref}`, ref]);
    const layerLines = lines.slice(1, -3);
    for (const line of layerLines) expect(line).toMatch(/^[0-9a-f]{12}: (Pulling fs layer|Waiting|Verifying Checksum|Download complete|Pull complete)$/);
    for (const l of layers) {
      const statuses = layerLines.filter((line) => line.startsWith(`${l.id}: `)).map((line) => line.slice(14));
      expect(statuses[0]).toBe("Pulling fs layer");
      expect(statuses.at(-1)).toBe("Pull complete");
      expect(statuses.filter((s) => s === "Pull complete")).toHaveLength(1);
    }
  }, 60_000);
});

describe("skiff push", () => {
  test("in a wide terminal: the layers' lines with docker's bar, all Pushed at the end; through a pipe: plain lines", async () => {
    const source = `${registry.domain}/test/big:1`;
    if (d.skiff(["image", "inspect", source]).status !== 0) ok(await skiff(["pull", "-q", source]));
    const cols = 150;
    const rows = 24;
    const tty = `${registry.domain}/test/pushed-tty:1`;
    expect(d.skiff(["tag", source, tty]).status).toBe(0);
    // the layers are to go up, not be mounted from where they came from (as docker would): the
    // source's references (its digest goes with its tag) go, and with them what the daemon knows
    expect(d.skiff(["rmi", source]).status).toBe(0);
    const r = ok(await skiff(["push", tty], { cols, rows }));
    const { frames, final, wraps } = render(r, cols, rows);
    const digestLine = new RegExp(`^1: digest: ${image.manifestDigest} size: \\d+$`);
    expect(final).toHaveLength(1 + layers.length + 1);
    expect(final[0]).toBe(`The push refers to repository [${registry.domain}/test/pushed-tty]`);
    expect(final.slice(1, -1).sort()).toEqual(layers.map((l) => `${l.id}: Pushed`).sort());
    expect(final.at(-1)).toMatch(digestLine);
    expect(r.stdout).toMatch(/\x1b\[\d+A/);
    expect(wraps).toBe(0);
    // Over 110 columns docker draws the bar: "[=====>     ]  1.2MB/4MB", 50 cells and the arrow.
    const pushing = frames.flatMap((f) => f.lines).filter((l) => l.startsWith(`${big.id}: Pushing`));
    expect(pushing.length).toBeGreaterThan(0);
    for (const line of pushing) {
      const m = /^[0-9a-f]{12}: Pushing \[(=*>) *\] +(\S+)\/(\S+)(?: {2}\S+\/s)?$/.exec(line);
      expect(m).not.toBeNull();
      expect(line.indexOf("]") - line.indexOf("[")).toBe(52);
      expect(sameSize(m![3]!, big.size)).toBe(true);
    }
    for (const f of frames) {
      const ids = f.lines.filter((l) => LAYER_LINE.test(l)).map((l) => LAYER_LINE.exec(l)![1]!);
      expect(new Set(ids).size).toBe(ids.length);
    }

    const piped = `${registry.domain}/test/pushed-pipe:1`;
    expect(d.skiff(["tag", tty, piped]).status).toBe(0);
    expect(d.skiff(["rmi", tty]).status).toBe(0);
    const p = ok(await skiff(["push", piped]));
    expect(p.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    const lines = p.stdout.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toBe(`The push refers to repository [${registry.domain}/test/pushed-pipe]`);
    expect(lines.slice(1, -1).sort()).toEqual(layers.map((l) => `${l.id}: Pushed`).sort());
    expect(lines.at(-1)).toMatch(digestLine);
  }, 60_000);

  test("in a terminal, through the throttling proxy: the byte count moves part-way before Pushed", async () => {
    const source = `${registry.domain}/test/bigger:1`;
    if (d.skiff(["image", "inspect", source]).status !== 0) ok(await skiff(["pull", "-q", source]));
    const slow = `${proxy.domain}/test/pushed-slow:1`;
    expect(d.skiff(["tag", source, slow]).status).toBe(0);
    const cols = 100; // no bar (110 columns or fewer), and room for the digest line
    const rows = 24;
    const r = ok(await skiff(["push", slow], { cols, rows }));
    const { frames, final, wraps } = render(r, cols, rows);
    expect(final).toEqual([`The push refers to repository [${proxy.domain}/test/pushed-slow]`, `${bigger.id}: Pushed`, expect.stringMatching(new RegExp(`^1: digest: ${bigger.image.manifestDigest} size: \\d+$`))]);
    expect(wraps).toBe(0);
    const pushed = frames.findIndex((f) => f.lines.includes(`${bigger.id}: Pushed`));
    expect(pushed).toBeGreaterThan(0);
    const partial: { at: number; current: number; speed?: number }[] = [];
    for (const f of frames.slice(0, pushed)) {
      const line = f.lines.find((l) => l.startsWith(`${bigger.id}: `));
      if (line === undefined) continue;
      const m = COUNTS.exec(line.slice(14))!;
      expect(m).not.toBeNull();
      expect(m[1]).toMatch(/^(Preparing|Waiting|Pushing)$/);
      if (m[2] === undefined) continue;
      expect(m[1]).toBe("Pushing");
      expect(sameSize(m[3]!, bigger.size)).toBe(true);
      const current = bytesOf(m[2]);
      if (current > 0 && current < bytesOf(m[3]!)) partial.push({ at: f.at, current, ...(m[4] !== undefined ? { speed: bytesOf(m[4]) } : {}) });
    }
    // Counts part-way, growing over a while, before the layer is Pushed. (The count is what the
    // daemon handed to its socket: the first few MB go at once, into socket buffers, and the last
    // few are still on their way when it reaches the total, as with docker.)
    expect(partial.length).toBeGreaterThanOrEqual(2);
    expect(new Set(partial.map((p) => p.current)).size).toBeGreaterThanOrEqual(2);
    expect(partial.map((p) => p.current)).toEqual(partial.map((p) => p.current).sort((a, b) => a - b));
    expect(partial.at(-1)!.at - partial[0]!.at).toBeGreaterThan(300);
    // And the speed, once the counts span half a second: the proxy's pace.
    const speeds = partial.flatMap((p) => (p.speed === undefined ? [] : [p.speed]));
    expect(speeds.length).toBeGreaterThan(0);
    for (const speed of speeds) {
      expect(speed).toBeGreaterThan(THROTTLE_RATE / 3);
      expect(speed).toBeLessThan(THROTTLE_RATE * 2);
    }
  }, 60_000);
});

describe("-q/--quiet", () => {
  test("pull and push print only the reference, in a terminal or not", async () => {
    const ref = `${registry.domain}/test/big:1`;
    forgetImages();
    expect(ok(await skiff(["pull", "-q", ref], { cols: 80, rows: 24 })).stdout).toBe(`${ref}\r\n`);
    expect(d.skiff(["image", "inspect", "--format", "{{.Id}}", ref]).stdout.trim()).toBe(image.configDigest);
    forgetImages();
    expect(ok(await skiff(["pull", "--quiet", ref])).stdout).toBe(`${ref}\n`);
    expect(d.skiff(["image", "inspect", "--format", "{{.Id}}", ref]).stdout.trim()).toBe(image.configDigest);

    for (const [flag, pty] of [["-q", { cols: 80, rows: 24 }], ["--quiet", undefined]] as const) {
      const target = `${registry.domain}/test/quiet-${pty ? "tty" : "pipe"}:1`;
      expect(d.skiff(["tag", ref, target]).status).toBe(0);
      expect(ok(await skiff(["push", flag, target], pty)).stdout).toBe(pty ? `${target}\r\n` : `${target}\n`);
    }
    // ... and the pushes happened.
    const pulled = `${registry.domain}/test/quiet-pipe:1`;
    expect(d.skiff(["rmi", pulled]).status).toBe(0);
    expect(ok(await skiff(["pull", pulled])).stdout).toContain(`Digest: ${image.manifestDigest}`);
  }, 60_000);
});
