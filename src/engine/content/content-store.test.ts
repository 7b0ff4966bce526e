import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import type { SkiffError } from "../../common/errors.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { ContentStore, INGEST_EXPIRY_MS } from "./content-store.ts";

let root: string;
let store: ContentStore;
beforeEach(() => {
  root = `/tmp/skiff-test-${process.pid}/store-${Math.random().toString(36).slice(2)}`;
  mkdirSync(root, { recursive: true });
  store = new ContentStore(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const data = Buffer.from("0123456789".repeat(1000));
const desc = { digest: digestBytes(data), size: data.length };
async function* chunks(b: Uint8Array, size = 777) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
const caught = async (p: Promise<unknown>): Promise<SkiffError> => {
  try {
    await p;
  } catch (e) {
    return e as SkiffError;
  }
  throw new Error("did not throw");
};
const ingestFiles = () => (existsSync(join(root, "ingest")) ? readdirSync(join(root, "ingest")) : []);

describe("ContentStore.ingest", () => {
  test("stores a verified blob under blobs/sha256/<hex> and lists it", async () => {
    const info = await store.ingest(desc, () => chunks(data));
    expect(info).toEqual(desc);
    expect(readFileSync(join(root, "blobs/sha256", desc.digest.slice(7)))).toEqual(data);
    expect(store.list()).toEqual([desc]);
    expect(store.readBytes(desc.digest)).toEqual(data);
    expect(ingestFiles()).toEqual([]);
  });

  test("does not open the source when the blob is present", async () => {
    await store.ingest(desc, () => chunks(data));
    let opened = false;
    await store.ingest(desc, () => {
      opened = true;
      return chunks(data);
    });
    expect(opened).toBe(false);
  });

  test("a digest mismatch stores nothing and discards the partial", async () => {
    const tampered = Buffer.from(data);
    tampered[5] = 0x41;
    const e = await caught(store.ingest(desc, () => chunks(tampered)));
    expect(e.code).toBe("IMAGE_DIGEST_MISMATCH");
    expect(store.has(desc.digest)).toBe(false);
    expect(ingestFiles()).toEqual([]);
  });

  test("a longer blob is a size mismatch and is not written past the expected size", async () => {
    const e = await caught(store.ingest(desc, () => chunks(Buffer.concat([data, Buffer.from("extra")]))));
    expect(e.code).toBe("IMAGE_SIZE_MISMATCH");
    expect(store.list()).toEqual([]);
  });

  test("a truncated blob keeps its partial, and the next ingest resumes from its end", async () => {
    const e = await caught(store.ingest(desc, () => chunks(data.subarray(0, 4000))));
    expect(e.code).toBe("IMAGE_BLOB_TRUNCATED");
    expect(store.has(desc.digest)).toBe(false);
    expect(store.partialSize(desc.digest)).toBe(4000);
    const offsets: number[] = [];
    const info = await store.ingest(desc, (offset) => {
      offsets.push(offset);
      return chunks(data.subarray(offset));
    });
    expect(offsets).toEqual([4000]);
    expect(info).toEqual(desc);
    expect(store.readBytes(desc.digest)).toEqual(data);
  });

  test("a source failing mid-way keeps the partial for resuming", async () => {
    async function* broken() {
      yield data.subarray(0, 1000);
      throw new Error("connection reset");
    }
    expect((await caught(store.ingest(desc, () => broken()))).message).toBe("connection reset");
    expect(store.partialSize(desc.digest)).toBe(1000);
  });

  test("a corrupt partial is caught by the digest and the next attempt starts over", async () => {
    mkdirSync(join(root, "ingest"), { recursive: true });
    writeFileSync(join(root, "ingest", `sha256-${desc.digest.slice(7)}`), "garbage");
    expect((await caught(store.ingest(desc, (o) => chunks(data.subarray(o))))).code).toBe("IMAGE_DIGEST_MISMATCH");
    expect(await store.ingest(desc, (o) => chunks(data.subarray(o)))).toEqual(desc);
  });

  test("a partial longer than the blob is discarded", async () => {
    mkdirSync(join(root, "ingest"), { recursive: true });
    writeFileSync(join(root, "ingest", `sha256-${desc.digest.slice(7)}`), Buffer.alloc(data.length + 1));
    const offsets: number[] = [];
    await store.ingest(desc, (o) => (offsets.push(o), chunks(data.subarray(o))));
    expect(offsets).toEqual([0]);
  });

  test("concurrent ingests of one digest share one write", async () => {
    let opens = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      opens++;
      await gate;
      yield* chunks(data);
    }
    const all = Promise.all([1, 2, 3].map(() => store.ingest(desc, () => slow())));
    await Bun.sleep(5);
    release();
    expect(await all).toEqual([desc, desc, desc]);
    expect(opens).toBe(1);
  });

  test("a waiter retries with its own source when the shared write fails", async () => {
    const bad = store.ingest(desc, () => chunks(Buffer.alloc(data.length)));
    const good = store.ingest(desc, () => chunks(data));
    expect((await caught(bad)).code).toBe("IMAGE_DIGEST_MISMATCH");
    expect(await good).toEqual(desc);
  });

  test("a stored blob of another size than the descriptor says is refused", async () => {
    await store.ingest(desc, () => chunks(data));
    expect((await caught(store.ingest({ ...desc, size: 5 }, () => chunks(data)))).code).toBe("IMAGE_SIZE_MISMATCH");
  });

  test("sha512 blobs go under blobs/sha512", async () => {
    const d = { digest: digestBytes(data, "sha512"), size: data.length };
    await store.ingest(d, () => chunks(data));
    expect(existsSync(join(root, "blobs/sha512", d.digest.slice(7)))).toBe(true);
  });

  test("an invalid digest is refused before anything is written", async () => {
    expect((await caught(store.ingest({ digest: "sha256:../../x", size: 1 }, () => chunks(data)))).code).toBe("IMAGE_DIGEST_INVALID");
  });
});

describe("ContentStore", () => {
  test("add computes the digest of content not known in advance", async () => {
    expect(await store.add(data)).toEqual(desc);
    expect(await store.add(chunks(data))).toEqual(desc);
    expect(store.list()).toEqual([desc]);
    expect(ingestFiles()).toEqual([]);
  });

  test("delete removes a blob and reports whether it was there", async () => {
    await store.add(data);
    expect(store.delete(desc.digest)).toBe(true);
    expect(store.delete(desc.digest)).toBe(false);
    expect(store.has(desc.digest)).toBe(false);
  });

  test("reading a missing blob is IMAGE_BLOB_NOT_FOUND", () => {
    expect(() => store.readBytes(desc.digest)).toThrow(/not in the content store/);
    expect(() => store.open(desc.digest)).toThrow(/not in the content store/);
  });

  test("open streams the blob", async () => {
    await store.add(data);
    const parts: Buffer[] = [];
    for await (const c of store.open(desc.digest)) parts.push(c as Buffer);
    expect(Buffer.concat(parts)).toEqual(data);
  });
});


describe("staging", () => {
  test("staged content is hashed and readable but not stored until committed", async () => {
    const staged = await store.stage(chunks(data));
    expect({ digest: staged.digest, size: staged.size }).toEqual(desc);
    expect(readFileSync(staged.path)).toEqual(data);
    expect(store.has(desc.digest)).toBe(false);
    expect(await store.commitStaged(staged)).toEqual(desc);
    expect(store.readBytes(desc.digest)).toEqual(data);
    expect(ingestFiles()).toEqual([]);
  });

  test("discarded content leaves nothing", async () => {
    store.discardStaged(await store.stage(data));
    expect(store.list()).toEqual([]);
    expect(ingestFiles()).toEqual([]);
  });

  test("a source failing mid-way leaves nothing", async () => {
    async function* broken() {
      yield data.subarray(0, 1000);
      throw new Error("connection reset");
    }
    expect((await caught(store.stage(broken()))).message).toBe("connection reset");
    expect(ingestFiles()).toEqual([]);
  });
});

describe("ingest/ clean-up", () => {
  const DEAD = 99999999; // above any pid_max
  const partial = (hex: string, bytes = 100) => {
    mkdirSync(join(root, "ingest"), { recursive: true });
    const path = join(root, "ingest", `sha256-${hex}`);
    writeFileSync(path, Buffer.alloc(bytes));
    return path;
  };
  const age = (path: string, ms: number) => utimesSync(path, new Date(Date.now() - ms), new Date(Date.now() - ms));

  test("opening the store removes partials untouched for 24 h and staging files of dead processes, and keeps the rest", () => {
    const old = partial("a".repeat(64));
    age(old, INGEST_EXPIRY_MS + 60_000);
    const fresh = partial("b".repeat(64));
    age(fresh, INGEST_EXPIRY_MS - 60_000);
    writeFileSync(join(root, "ingest", `add-${DEAD}-x`), "left by a crash");
    writeFileSync(join(root, "ingest", `add-${process.ppid}-y`), "a live process's");
    writeFileSync(join(root, "ingest", `add-${process.pid}-z`), "an earlier process with our pid");
    writeFileSync(join(root, "ingest", "unknown"), "not ours to judge");
    new ContentStore(root);
    expect(ingestFiles().sort()).toEqual([`add-${process.ppid}-y`, `sha256-${"b".repeat(64)}`, "unknown"]);
  });

  test("pruneIngests removes every partial but the one being written, and reports the bytes", async () => {
    partial("a".repeat(64), 300);
    const dir = join(root, "ingest");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield data.subarray(0, 1000);
      await gate;
      yield data.subarray(1000);
    }
    const running = store.ingest(desc, () => slow());
    await Bun.sleep(5);
    const pruned = store.pruneIngests();
    expect(pruned).toEqual({ files: [`sha256-${"a".repeat(64)}`], bytes: 300 });
    expect(readdirSync(dir)).toEqual([`sha256-${desc.digest.slice(7)}`]);
    release();
    expect(await running).toEqual(desc);
    expect(ingestFiles()).toEqual([]);
  });

  test("pruneIngests keeps a staging file in use", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield data.subarray(0, 1000);
      await gate;
    }
    const staging = store.stage(slow());
    await Bun.sleep(5);
    expect(store.pruneIngests().files).toEqual([]);
    release();
    store.discardStaged(await staging);
  });

  test("with olderThanMs, pruneIngests keeps recent partials (a pull may resume them)", () => {
    partial("c".repeat(64));
    expect(store.pruneIngests({ olderThanMs: 60_000 }).files).toEqual([]);
    expect(ingestFiles()).toEqual([`sha256-${"c".repeat(64)}`]);
  });
});

afterAll(() => {
  try {
    rmdirSync(`/tmp/skiff-test-${process.pid}`); // only when empty: other test files of this run may use it
  } catch {}
});
