import { afterAll, expect, test } from "bun:test";
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildTar } from "../../common/tar/tar-writer.ts";
import { readTar } from "../../common/tar/tar-reader.ts";
import { extractHost, packHost } from "./host-tar.ts";
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
