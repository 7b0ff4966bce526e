import { afterAll, expect, test } from "bun:test";
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildTar } from "../../common/tar/tar-writer.ts";
import { readTar } from "../../common/tar/tar-reader.ts";
import { extractHost, hostExtractor, packHost, packHostTo } from "./host-tar.ts";
import { splitCpArg } from "./commands/cp.ts";

const dir = mkdtempSync("/tmp/skiff-host-tar-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const stream = (bytes: Uint8Array) => (async function* () {
  yield bytes;
})();

async function names(tar: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(tar)) out.push(`${e.name} ${e.uid}:${e.gid}${e.type === "symlink" ? ` -> ${e.linkname}` : ""}`);
  return out;
}

test("docker's cp argument split: CONTAINER:PATH, or a local path (starting with / or ., or without a colon)", () => {
  expect(["c1:/etc", "/a:b", "./x:y", "file", "c:", ":x"].map(splitCpArg)).toEqual([{ container: "c1", path: "/etc" }, { path: "/a:b" }, { path: "./x:y" }, { path: "file" }, { container: "c", path: "" }, { path: ":x" }]);
});

test("pack: the path first under its base name, then its content; symlinks stay links; owners 0 unless kept", async () => {
  const src = join(dir, "src");
  mkdirSync(join(src, "sub"), { recursive: true });
  writeFileSync(join(src, "sub", "f"), "f");
  symlinkSync("/etc/passwd", join(src, "l"));
  chownSync(join(src, "sub", "f"), 5, 6);
  expect(await names(packHost(src, "src", { contents: false, keepOwner: false }))).toEqual(["src/ 0:0", "src/l 0:0 -> /etc/passwd", "src/sub/ 0:0", "src/sub/f 0:0"]);
  expect(await names(packHost(src, "new", { contents: true, keepOwner: true }))).toEqual(["./ 0:0", "l 0:0 -> /etc/passwd", "sub/ 0:0", "sub/f 5:6"]);
});

test("extract: the first component renamed, modes kept, a symlink in the destination never written through", async () => {
  const dest = join(dir, "dest");
  mkdirSync(dest);
  await extractHost(stream(buildTar([{ name: "d/", type: "dir", mode: 0o700 }, { name: "d/x", type: "file", data: "x", mode: 0o600 }])), dest, { from: "d", to: "e" });
  expect(readFileSync(join(dest, "e/x"), "utf8")).toBe("x");
  expect(statSync(join(dest, "e")).mode & 0o777).toBe(0o700);
  symlinkSync(dir, join(dest, "out"));
  await expect(extractHost(stream(buildTar([{ name: "out/planted", type: "file", data: "x" }])), dest)).rejects.toThrow("nothing is written through it");
  await expect(extractHost(stream(buildTar([{ name: "../planted", type: "file", data: "x" }])), dest)).rejects.toThrow("outside of");
  await expect(extractHost(stream(buildTar([{ name: "/planted", type: "file", data: "x" }])), dest)).rejects.toThrow("outside of");
  await expect(extractHost(stream(buildTar([{ name: "h", type: "hardlink", linkname: "../src/sub/f" }])), dest)).rejects.toThrow("outside of");
  expect(() => lstatSync(join(dir, "planted"))).toThrow();
  expect(readlinkSync(join(dest, "out"))).toBe(dir);
  // the container's root comes as "/…": its content, relative to the destination
  await extractHost(stream(buildTar([{ name: "/", type: "dir" }, { name: "/r", type: "file", data: "r" }])), dest, undefined, { rootRelative: true });
  expect(readFileSync(join(dest, "r"), "utf8")).toBe("r");
});

test("packHostTo: the same tar as packHost, in chunks of at most 1 MiB with the room asked for around them; hostExtractor takes it through one reused buffer", async () => {
  const src = join(dir, "big");
  mkdirSync(join(src, "d"), { recursive: true });
  writeFileSync(join(src, "d", "large"), Buffer.alloc(2.5 * 2 ** 20, 3));
  writeFileSync(join(src, "small"), "s");
  const whole: Uint8Array[] = [];
  for await (const b of packHost(src, "big", { contents: false, keepOwner: false })) whole.push(b);
  const chunks: Buffer[] = [];
  packHostTo(src, "big", { contents: false, keepOwner: false }, 10, (buf, from, to) => {
    expect(from).toBeGreaterThanOrEqual(10);
    expect(buf.byteLength).toBeGreaterThanOrEqual(to + 2);
    expect(to - from).toBeLessThanOrEqual(2 ** 20);
    chunks.push(Buffer.from(buf.subarray(from, to)));
    buf.fill(0xee); // the buffer is the packer's: reused after send returns
  });
  expect(chunks.length).toBeGreaterThan(2);
  const tar = Buffer.concat(chunks);
  expect(tar.equals(Buffer.concat(whole))).toBe(true);
  const dest = mkdtempSync(join(dir, "into-"));
  const x = hostExtractor(dest, { from: "big", to: "copy" });
  const scratch = Buffer.alloc(4099);
  for (let at = 0; at < tar.byteLength; at += scratch.byteLength) {
    const n = tar.copy(scratch, 0, at, at + scratch.byteLength);
    x.push(scratch.subarray(0, n));
    scratch.fill(0xee);
  }
  x.finish();
  expect(readFileSync(join(dest, "copy", "d", "large")).equals(readFileSync(join(src, "d", "large")))).toBe(true);
  expect(readFileSync(join(dest, "copy", "small"), "utf8")).toBe("s");
  expect(() => {
    const cut = hostExtractor(mkdtempSync(join(dir, "cut-")));
    cut.push(tar.subarray(0, 2 ** 20));
    cut.finish();
  }).toThrow("inside the content of");
});
