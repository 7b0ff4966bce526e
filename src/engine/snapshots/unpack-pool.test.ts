import { afterAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { isSkiffError, SkiffError } from "../../common/errors.ts";
import { failure } from "../../common/failure.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { ioError } from "../content/index.ts";
import { buildTar } from "../archive/index.ts";
import { unpackLayer } from "./unpack-layer.ts";
import { STREAM_WINDOW } from "./unpack-messages.ts";
import { UnpackPool } from "./unpack-pool.ts";

const base = `/tmp/skiff-test-${process.pid}`;
const root = join(base, `unpack-pool-${Math.random().toString(36).slice(2)}`);
let n = 0;
const fresh = (): string => {
  const d = join(root, String(n++));
  mkdirSync(d, { recursive: true });
  return d;
};
const pool = new UnpackPool({ workers: 2 });
afterAll(async () => {
  await pool.close();
  rmSync(root, { recursive: true, force: true });
  try {
    rmdirSync(base);
  } catch {
    // other tests of this process still use it
  }
});

const big = randomBytes(3 << 20);
const tar = buildTar([
  { name: "etc/", type: "dir", mode: 0o750 },
  { name: "etc/hostname", type: "file", data: "skiff\n", mode: 0o600 },
  { name: "bin/", type: "dir" },
  { name: "bin/big", type: "file", data: big, mode: 0o755 },
  { name: "bin/sh", type: "symlink", linkname: "big" },
  { name: "bin/hard", type: "hardlink", linkname: "bin/big" },
]);
const blob = gzipSync(tar);
const expected = { digest: digestBytes(blob), size: blob.length };
const diffId = digestBytes(tar);

/** `b` in `size`-byte views of one buffer, as a network stream hands them out. */
async function* chunks(b: Uint8Array, size = 64 << 10): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

function blobFile(b: Uint8Array): string {
  const f = join(fresh(), "blob");
  writeFileSync(f, b);
  return f;
}

type Tree = Record<string, string>;
function tree(dir: string, rel = ""): Tree {
  const out: Tree = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) Object.assign(out, { [p]: `dir ${mode}` }, tree(dir, p));
    else if (st.isSymbolicLink()) out[p] = `symlink -> ${readlinkSync(join(dir, p))}`;
    else out[p] = `file ${mode} nlink=${st.nlink} ${createHash("sha256").update(readFileSync(join(dir, p))).digest("hex")}`;
  }
  return out;
}

const threadsNamed = (name: string): number =>
  readdirSync("/proc/self/task").filter((t) => {
    try {
      return readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim() === name;
    } catch {
      return false; // the thread ended meanwhile
    }
  }).length;

describe("UnpackPool", () => {
  test("a layer unpacked in a worker, from its file or from a stream, is the tree and digests unpackLayer gives here", async () => {
    const here = fresh();
    const want = await unpackLayer({ source: chunks(blob), target: here, expected, diffId });
    const fromFile = fresh();
    const fromStream = fresh();
    const [a, b] = await Promise.all([
      pool.unpack({ source: { file: blobFile(blob) }, target: fromFile, lowers: [], expected, diffId }),
      pool.unpack({ source: { stream: chunks(blob) }, target: fromStream, lowers: [], expected, diffId }),
    ]);
    expect(a).toEqual(want);
    expect(b).toEqual(want);
    expect(want.compression).toBe("gzip");
    expect(Object.keys(tree(here))).toEqual(["bin", "bin/big", "bin/hard", "bin/sh", "etc", "etc/hostname"]);
    expect(tree(fromFile)).toEqual(tree(here));
    expect(tree(fromStream)).toEqual(tree(here));
  });

  test("a layer's error comes back as the same SkiffError: code, layer, kind, message, hint, details", async () => {
    const tampered = Buffer.from(blob);
    tampered[5000] = tampered[5000]! ^ 0xff;
    const want = await failure(unpackLayer({ source: chunks(tampered), target: fresh(), expected, diffId }));
    expect(want.code).toBe("IMAGE_DIGEST_MISMATCH");
    const fields = (e: SkiffError) => [e instanceof SkiffError, e.code, e.layer, e.kind, e.message, e.hint, e.details];
    for (const source of [{ file: blobFile(tampered) }, { stream: chunks(tampered) }]) {
      const e = await failure(pool.unpack({ source, target: fresh(), lowers: [], expected, diffId }));
      expect(fields(e)).toEqual(fields(want));
    }
    const unsafe = gzipSync(buildTar([{ name: "../evil", type: "file", data: "x" }]));
    const e = await failure(pool.unpack({ source: { stream: chunks(unsafe) }, target: fresh(), lowers: [] }));
    expect([isSkiffError(e), e.code, e.kind]).toEqual([true, "IMAGE_LAYER_UNSAFE_PATH", "invalid_argument"]);
  });

  test("an errno failure in a worker keeps its code, syscall and path, so io-error maps it", async () => {
    const missing = join(fresh(), "no-such-blob");
    const e = await failure(pool.unpack({ source: { file: missing }, target: fresh(), lowers: [] }));
    expect(isSkiffError(e)).toBe(false);
    expect([(e as unknown as NodeJS.ErrnoException).code, (e as unknown as NodeJS.ErrnoException).path]).toEqual(["ENOENT", missing]);
    const mapped = ioError("read blob", missing, e) as SkiffError;
    expect([mapped.code, mapped.kind, mapped.details.errno]).toEqual(["IMAGE_IO", "not_found", "ENOENT"]);
  });

  test("a failure of the caller's stream or lowers comes back as the caller's own error object", async () => {
    const broken = new SkiffError({ layer: "image", code: "IMAGE_PULL_FAILED", kind: "unavailable", message: "connection reset" });
    async function* failing() {
      yield* chunks(blob.subarray(0, 200_000));
      throw broken;
    }
    expect(await failure(pool.unpack({ source: { stream: failing() }, target: fresh(), lowers: [] }))).toBe(broken);
    const parentFailed = new Error("parent layer failed");
    const lowers = Promise.reject(parentFailed);
    expect(await failure(pool.unpack({ source: { stream: chunks(blob) }, target: fresh(), lowers, expected, diffId }))).toBe(parentFailed as SkiffError);
  });

  test("several jobs at once spread over the workers, each with its own result", async () => {
    const other = gzipSync(buildTar([{ name: "only-here", type: "file", data: "other layer\n" }]));
    const jobs = Array.from({ length: 6 }, (_, i) => {
      const b = i % 2 ? other : blob;
      const target = fresh();
      return { target, b, p: pool.unpack({ source: i % 3 ? { stream: chunks(b) } : { file: blobFile(b) }, target, lowers: [], expected: { digest: digestBytes(b), size: b.length } }) };
    });
    expect(pool.workersForTest().length).toBe(2);
    for (const j of jobs) {
      expect((await j.p).digest).toBe(digestBytes(j.b));
      expect(Object.keys(tree(j.target))).toEqual(j.b === blob ? ["bin", "bin/big", "bin/hard", "bin/sh", "etc", "etc/hostname"] : ["only-here"]);
    }
  });

  test("lowers that come later: the whole stream (past the window) goes in first, then the layer merges with them", async () => {
    const lower = fresh();
    mkdirSync(join(lower, "opt"), { mode: 0o700 });
    writeFileSync(join(lower, "data"), "from the lower\n");
    const layer = buildTar([
      { name: "filler", type: "file", data: randomBytes(STREAM_WINDOW + (2 << 20)) },
      { name: "opt/tool", type: "file", data: "tool\n" },
      { name: "data-link", type: "hardlink", linkname: "data" },
    ]);
    const read = Promise.withResolvers<void>();
    async function* stream() {
      yield* chunks(layer);
      read.resolve();
    }
    const target = fresh();
    const r = await pool.unpack({ source: { stream: stream() }, target, lowers: read.promise.then(() => [lower]), diffId: digestBytes(layer) });
    expect(r.diffId).toBe(digestBytes(layer));
    expect((lstatSync(join(target, "opt")).mode & 0o777).toString(8)).toBe("700");
    expect(readFileSync(join(target, "data-link"), "utf8")).toBe("from the lower\n");
  });

  test("a job that fails early stops reading its stream, which never ran more than the window ahead", async () => {
    const head = buildTar([{ name: "../evil", type: "file", data: "x" }], { trailer: false });
    let pulled = 0;
    let stopped = false;
    async function* endless() {
      try {
        yield head;
        for (;;) {
          await new Promise((r) => setImmediate(r)); // as a socket: the event loop turns between chunks
          pulled += 1 << 20;
          yield new Uint8Array(1 << 20);
        }
      } finally {
        stopped = true;
      }
    }
    // a pool of its own: its worker's start-up gives the stream time to run ahead, were it not held back
    const p = new UnpackPool({ workers: 1 });
    const e = await failure(p.unpack({ source: { stream: endless() }, target: fresh(), lowers: [] })).finally(() => p.close());
    expect(e.code).toBe("IMAGE_LAYER_UNSAFE_PATH");
    for (let i = 0; i < 50 && !stopped; i++) await Bun.sleep(10);
    expect(stopped).toBe(true);
    expect(pulled).toBeLessThanOrEqual(STREAM_WINDOW + (1 << 20));
  });

  test("close() ends every worker thread, and refuses later jobs", async () => {
    const before = threadsNamed("Worker");
    // no idle retirement here, whatever the load: close() is what ends them
    const p = new UnpackPool({ workers: 2, idleMs: 600_000 });
    await Promise.all([0, 1].map(() => p.unpack({ source: { stream: chunks(blob) }, target: fresh(), lowers: [], expected })));
    expect(threadsNamed("Worker")).toBe(before + 2);
    await p.close();
    expect(threadsNamed("Worker")).toBe(before);
    expect((await failure(p.unpack({ source: { stream: chunks(blob) }, target: fresh(), lowers: [] }))).code).toBe("IMAGE_UNPACK_WORKER_FAILED");
  });

  test("a worker idle for idleMs is terminated (its VM's memory goes with it); the next job starts a new one", async () => {
    const before = threadsNamed("Worker");
    const p = new UnpackPool({ workers: 2, idleMs: 100 });
    try {
      await Promise.all([0, 1].map(() => p.unpack({ source: { stream: chunks(blob) }, target: fresh(), lowers: [], expected })));
      expect(p.workersForTest().length).toBeGreaterThan(0); // the one that finished last is still kept
      const deadline = Date.now() + 5000;
      while ((p.workersForTest().length > 0 || threadsNamed("Worker") > before) && Date.now() < deadline) await Bun.sleep(20);
      expect(p.workersForTest()).toHaveLength(0);
      expect(threadsNamed("Worker")).toBe(before);
      const again = await p.unpack({ source: { stream: chunks(blob) }, target: fresh(), lowers: [], expected });
      expect(again.diffId).toBe(diffId);
      expect(p.workersForTest()).toHaveLength(1);
    } finally {
      await p.close();
    }
  });

  for (const [how, kill] of [
    ["is terminated", (w: Worker) => w.terminate()],
    ["throws at top level", (w: Worker) => w.postMessage({ type: "no-such-message" })],
  ] as const) {
    test(`a worker that ${how} fails its job with IMAGE_UNPACK_WORKER_FAILED and its stream is stopped; the next job gets a new worker`, async () => {
      const p = new UnpackPool({ workers: 1 });
      try {
        // a download that stalls after its first bytes, until someone stops it (as a socket read ends when its stream is destroyed)
        let returned = false;
        let release = () => {};
        const stalled: AsyncIterable<Uint8Array> = {
          [Symbol.asyncIterator]: () => {
            let sent = false;
            return {
              next: () => (sent ? new Promise((r) => (release = () => r({ done: true, value: undefined }))) : ((sent = true), Promise.resolve({ done: false, value: blob.subarray(0, 100_000) }))),
              return: async () => {
                returned = true;
                release();
                return { done: true, value: undefined };
              },
            };
          },
        };
        const job = p.unpack({ source: { stream: stalled }, target: fresh(), lowers: [], expected });
        await Bun.sleep(50);
        const [victim] = p.workersForTest();
        kill(victim!);
        const e = await failure(job);
        expect([e.code, e.layer, e.kind, e.details.digest]).toEqual(["IMAGE_UNPACK_WORKER_FAILED", "image", "internal", expected.digest]);
        if (how === "throws at top level") expect(e.message).toContain("unknown message");
        expect(e.hint).toBeTruthy();
        expect(returned).toBe(true);
        const target = fresh();
        expect((await p.unpack({ source: { file: blobFile(blob) }, target, lowers: [], expected, diffId })).diffId).toBe(diffId);
        expect(p.workersForTest()).not.toContain(victim!);
        expect(readFileSync(join(target, "etc/hostname"), "utf8")).toBe("skiff\n");
      } finally {
        await p.close();
      }
    });
  }

  test("an idle pool does not keep a process alive", () => {
    const dir = fresh();
    const layer = join(dir, "layer.tar");
    writeFileSync(layer, buildTar([{ name: "f", type: "file", data: "x" }]));
    const script = `
      import { UnpackPool } from ${JSON.stringify(join(import.meta.dir, "unpack-pool.ts"))};
      const r = await new UnpackPool().unpack({ source: { file: ${JSON.stringify(layer)} }, target: ${JSON.stringify(fresh())}, lowers: [] });
      console.log(r.entries);`;
    const scriptFile = join(dir, "idle.ts");
    writeFileSync(scriptFile, script);
    const t0 = performance.now();
    const r = Bun.spawnSync([process.execPath, scriptFile], { timeout: 4000 });
    expect([r.exitCode, r.stdout.toString().trim(), r.stderr.toString()]).toEqual([0, "1", ""]);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

