// The hostile corpus of `skiff import` (rootfs tarballs) and of what layers may hold besides paths
// (written for skiff): escapes, PAX headers with NUL or overlong names, sizes beyond the data or
// negative, a 32 MiB extended header, cut tarballs, device nodes, duplicate entries, and
// decompression bombs (small ones: a few hundred MiB of zeros). Refusals are checked as in
// hostile-load.test.ts; what is accepted lands inside the store only, and the bombs keep the
// daemon's memory and time bounded.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { tarEntry, type TarWriteEntry } from "../src/engine/archive/index.ts";
import { digestOf, dockerArchive, editedHeader, layerTar, paxHeader } from "./harness/hostile-corpus.ts";
import { expectAccepted, expectRefused, makeCanary, startSandbox, stopSandbox, type Sandbox } from "./harness/hostile-daemon.ts";

let s: Sandbox;
const canary = makeCanary();

beforeAll(async () => {
  s = await startSandbox(canary);
}, 30_000);
afterAll(() => stopSandbox(s));

const up = "../".repeat(24);
const END = Buffer.alloc(1024);
let n = 0;
const importArgs = () => ["import", "@", `hostile/import:${n++}`];

/** A GNU base-256 number in a header's 12-byte size field. */
const size256 = (b: Buffer, v: bigint) => {
  for (let i = 135, x = BigInt.asUintN(95, v); i >= 124; i--, x >>= 8n) b[i] = Number(x & 0xffn);
  b[124] = b[124]! | 0x80;
};

/** Rootfs tarballs that must be refused: [name, tarball, layer, code, message]. */
const refusals = (): [string, () => Uint8Array, string, string, RegExp][] => {
  const tar = (entries: TarWriteEntry[]) => () => layerTar(entries);
  return [
    ["an entry climbing out with ../", tar([{ name: `${up}${canary.slice(1)}/escape`, type: "file", data: "pwned" }]), "image", "IMAGE_LAYER_UNSAFE_PATH", /contains "\.\."/],
    ["an absolute entry", tar([{ name: join(canary, "abs"), type: "file", data: "pwned" }]), "image", "IMAGE_LAYER_UNSAFE_PATH", /is an absolute path/],
    ["a symlink out of the root, then a file through it", tar([{ name: "evil", type: "symlink", linkname: canary }, { name: "evil/pwned", type: "file", data: "pwned" }]), "image", "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "evil"/],
    ["a hardlink to /etc/passwd", tar([{ name: "passwd", type: "hardlink", linkname: "/etc/passwd" }]), "image", "IMAGE_LAYER_UNSAFE_PATH", /is an absolute path/],
    ["a hardlink climbing to the canary", tar([{ name: "c", type: "hardlink", linkname: `${up}${canary.slice(1)}/canary` }]), "image", "IMAGE_LAYER_UNSAFE_PATH", /contains "\.\."/],
    ["a symlink loop, then a file through it", tar([{ name: "a", type: "symlink", linkname: "b" }, { name: "b", type: "symlink", linkname: "a" }, { name: "a/x", type: "file" }]), "image", "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "a"/],
    ["a PAX path with a NUL byte", () => Buffer.concat([paxHeader([["path", "etc\0passwd"]]), tarEntry({ name: "x", type: "file", data: "1" }), END]), "image", "IMAGE_LAYER_UNSAFE_PATH", /contains a NUL byte/],
    ["a PAX linkpath climbing out", () => Buffer.concat([paxHeader([["linkpath", `${up}etc/passwd`]]), tarEntry({ name: "h", type: "hardlink", linkname: "x" }), END]), "image", "IMAGE_LAYER_UNSAFE_PATH", /contains "\.\."/],
    ["a PAX path with a 5,000-byte name (it was an I/O error quoting all of it)", () => Buffer.concat([paxHeader([["path", "a".repeat(5000)]]), tarEntry({ name: "x", type: "file", data: "1" }), END]), "image", "IMAGE_LAYER_INVALID", /^unpack layer: entry "a{200}…" has a component of 5000 bytes/],
    ["a 32 MiB extended header", () => Buffer.concat([editedHeader({ name: "PaxHeaders/x", type: "file" }, (b) => ((b[156] = "x".charCodeAt(0)), b.write((32 << 20).toString(8).padStart(11, "0"), 124, "latin1"))), Buffer.alloc(4096)]), "image", "IMAGE_TARBALL_INVALID", /extended header of 33554432 bytes at byte 0, more than 16 MiB/],
    ["a file of 2^40 bytes (base-256) with 4 KiB of data", () => Buffer.concat([editedHeader({ name: "big", type: "file" }, (b) => size256(b, 2n ** 40n)), Buffer.alloc(4096, 1)]), "image", "IMAGE_TARBALL_TRUNCATED", /inside the content of "big"/],
    ["a PAX size of 99,999,999,999,999 bytes", () => Buffer.concat([paxHeader([["size", "99999999999999"]]), tarEntry({ name: "big", type: "file" }), Buffer.alloc(4096, 1)]), "image", "IMAGE_TARBALL_TRUNCATED", /inside the content of "big"/],
    ["a negative base-256 size (the parser looped on it)", () => Buffer.concat([editedHeader({ name: "neg", type: "file" }, (b) => size256(b, -512n)), END]), "image", "IMAGE_TARBALL_INVALID", /its size field is negative/],
    ["a tarball cut inside a file", () => layerTar([{ name: "big", type: "file", data: "z".repeat(10_000) }]).subarray(0, 3000), "image", "IMAGE_TARBALL_TRUNCATED", /the data ends at byte 3000, inside the content of "big"/],
  ];
};

describe("import refuses hostile rootfs tarballs", () => {
  test.each(refusals().map((c) => [c[0], c] as const))("%s", async (_name, [, tarball, layer, code, message]) => {
    await expectRefused(s, importArgs(), tarball(), { layer, code, message });
  }, 30_000);
});

/** The paths under the store's snapshot dirs whose path inside the snapshot is `rel`. */
function inSnapshots(rel: string): string[] {
  const root = join(s.d.dir, "data", "snapshots");
  return readdirSync(root).map((d) => join(root, d, "fs", rel)).filter((p) => existsSync(p) || isLink(p));
}
const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};
/** The daemon's peak resident memory, in MiB. */
const peakMiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${s.d.proc.pid}/status`, "utf8"))![1]) / 1024;

describe("what a layer may hold lands inside the store only", () => {
  test("device nodes and a fifo are made as docker makes them, in the snapshot and nowhere else", () => {
    expectAccepted(s, importArgs(), layerTar([{ name: "dev/", type: "dir" }, { name: "dev/kmsg-copy", type: "char", devmajor: 1, devminor: 11 }, { name: "dev/sda-copy", type: "block", devmajor: 8, devminor: 0 }, { name: "dev/pipe", type: "fifo" }]));
    const [chr] = inSnapshots("dev/kmsg-copy");
    expect(lstatSync(chr!).isCharacterDevice() && lstatSync(chr!).rdev).toBe((1 << 8) | 11);
    expect(lstatSync(inSnapshots("dev/sda-copy")[0]!).isBlockDevice()).toBe(true);
    expect(lstatSync(inSnapshots("dev/pipe")[0]!).isFIFO()).toBe(true);
  });

  test("duplicate entries: the last wins, a file replaces a directory and back", () => {
    expectAccepted(s, importArgs(), layerTar([
      { name: "dup", type: "file", data: "first" }, { name: "dup", type: "file", data: "second-wins" },
      { name: "d2f", type: "dir" }, { name: "d2f/x", type: "file" }, { name: "d2f", type: "file", data: "now a file" },
      { name: "f2d", type: "file", data: "was a file" }, { name: "f2d/", type: "dir" }, { name: "f2d/y", type: "file", data: "y" },
    ]));
    expect(inSnapshots("dup").map((p) => readFileSync(p, "utf8"))).toEqual(["second-wins"]);
    expect(readFileSync(inSnapshots("d2f")[0]!, "utf8")).toBe("now a file");
    expect(readFileSync(inSnapshots("f2d/y")[0]!, "utf8")).toBe("y");
  });

  test("a file whose ustar name ends in '/' and whose PAX path does not keeps its data (it was read as a directory)", () => {
    const name = `${"n".repeat(95)}/x y/${"n".repeat(103)}/kept`;
    expectAccepted(s, importArgs(), layerTar([{ name, type: "file", data: "content" }, { name: "after", type: "file", data: "after" }]));
    expect(readFileSync(inSnapshots(name)[0]!, "utf8")).toBe("content");
    expect(readFileSync(inSnapshots("after")[0]!, "utf8")).toBe("after");
  });
});

describe("decompression bombs are streamed, not held", () => {
  test("import: 256 MiB of zeros after an empty tar (256 KiB of gzip) is hashed in bounded memory", () => {
    const bomb = gzipSync(Buffer.alloc(256 << 20));
    const before = peakMiB();
    const start = Date.now();
    expectAccepted(s, importArgs(), bomb);
    expect(Date.now() - start).toBeLessThan(30_000);
    expect(peakMiB() - before).toBeLessThan(128);
  }, 60_000);

  test("load: a layer of 192 MiB of zeros (192 KiB of gzip) unpacks in bounded memory", () => {
    const zeros = Buffer.alloc(192 << 20);
    const before = peakMiB();
    expectAccepted(s, ["load", "-i", "@"], dockerArchive({ layers: [gzipSync(zeros)], diffIds: [digestOf(zeros)], repoTags: ["hostile/bomb:1"] }));
    expect(peakMiB() - before).toBeLessThan(128);
  }, 60_000);

  test("load: an archive of 512 MiB of zeros (512 KiB of gzip) is refused at its first block, without inflating the rest", async () => {
    const bomb = gzipSync(Buffer.alloc(512 << 20));
    const start = Date.now();
    await expectRefused(s, ["load", "-i", "@"], bomb, { layer: "engine", code: "ENGINE_LOAD_INVALID", message: /unexpected EOF/ });
    expect(Date.now() - start).toBeLessThan(5_000); // inflating it all takes about 2 s here
  }, 60_000);
});
