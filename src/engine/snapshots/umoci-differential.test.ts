// Differential: one multi-layer OCI image unpacked by Debian's umoci and by skiff (each layer into
// its own dir, then mounted as a read-only overlay) must give the same tree: types, content, modes,
// owners, times, xattrs, link targets, device numbers and hardlink groups.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { lgetxattr, llistxattr, mount, umount, MNT_DETACH } from "../../common/sys.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { buildTar, type TarWriteEntry } from "../archive/index.ts";
import { unpackLayer } from "./unpack-layer.ts";

const root = `/tmp/skiff-test-${process.pid}/umoci-diff`;
const haveUmoci = spawnSync("umoci", ["--version"]).status === 0;
const t = (sec: number) => ({ sec, nsec: 0 });
const M = { mtime: t(1600000000) };

const layers: TarWriteEntry[][] = [
  [
    { name: "bin/", type: "dir", ...M },
    { name: "bin/busybox", type: "file", data: "busybox binary", mode: 0o755, ...M },
    { name: "bin/sh", type: "hardlink", linkname: "bin/busybox" },
    { name: "bin/ls", type: "hardlink", linkname: "bin/busybox" },
    { name: "bin/su", type: "file", data: "su", mode: 0o4755, ...M },
    { name: "bin/wall", type: "file", data: "wall", mode: 0o2755, gid: 5, ...M },
    { name: "etc/", type: "dir", ...M },
    { name: "etc/passwd", type: "file", data: "root:x:0:0::/root:/bin/sh\n", ...M },
    { name: "etc/shadow", type: "file", data: "root:*:1::::::\n", mode: 0o640, gid: 42, ...M },
    { name: "etc/alternatives/", type: "dir", ...M },
    { name: "etc/alternatives/vi", type: "symlink", linkname: "/bin/busybox", ...M },
    { name: "tmp/", type: "dir", mode: 0o1777, ...M },
    { name: "var/", type: "dir", ...M },
    { name: "var/cache/", type: "dir", ...M },
    { name: "var/cache/a", type: "file", data: "a", ...M },
    { name: "var/cache/sub/", type: "dir", ...M },
    { name: "var/cache/sub/b", type: "file", data: "b", ...M },
    { name: "opt/", type: "dir", ...M },
    { name: "opt/tool/", type: "dir", ...M },
    { name: "opt/tool/run", type: "file", data: "run", ...M },
    { name: "srv/", type: "dir", uid: 33, gid: 33, mode: 0o750, ...M },
    { name: "srv/index.html", type: "file", data: "<h1>", uid: 33, gid: 33, ...M },
    { name: "dev/", type: "dir", ...M },
    { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666, ...M },
    { name: "dev/fifo", type: "fifo", ...M },
    { name: "home/", type: "dir", ...M, xattrs: new Map([["user.comment", Buffer.from("homes")]]) },
  ],
  [
    { name: "etc/", type: "dir", ...M },
    { name: "etc/.wh.shadow", type: "file", ...M },
    { name: "var/", type: "dir", ...M },
    { name: "var/cache/", type: "dir", ...M },
    { name: "var/cache/.wh..wh..opq", type: "file", ...M },
    { name: "var/cache/new", type: "file", data: "new", ...M },
    { name: "opt/", type: "dir", ...M },
    { name: "opt/tool", type: "file", data: "now a file", ...M },
    { name: "bin/", type: "dir", ...M },
    { name: "bin/vi", type: "hardlink", linkname: "bin/busybox" },
    { name: "srv/", type: "dir", uid: 33, gid: 33, mode: 0o750, ...M },
    { name: "srv/more.html", type: "file", data: "more", ...M },
  ],
  [
    { name: "opt/", type: "dir", ...M },
    { name: "opt/tool/", type: "dir", mode: 0o700, ...M },
    { name: "opt/tool/again", type: "file", data: "dir again", ...M },
    { name: ".wh.home", type: "file", ...M },
    { name: "etc/", type: "dir", ...M },
    { name: "etc/shadow", type: "file", data: "back", mode: 0o600, ...M },
  ],
];

let mnt = "";
beforeAll(() => mkdirSync(root, { recursive: true }));
afterAll(() => {
  if (mnt) umount(mnt, MNT_DETACH);
  rmSync(root, { recursive: true, force: true });
});

function writeLayout(dir: string, blobs: Buffer[]): void {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (b: Buffer) => {
    const d = digestBytes(b);
    writeFileSync(join(dir, "blobs/sha256", d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const tars = layers.map((l) => Buffer.from(buildTar(l)));
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: tars.map((x) => digestBytes(x)) }, history: [] }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, ...put(config) },
    layers: blobs.map((b) => ({ mediaType: MEDIA.ociLayerGzip, ...put(b) })),
  }));
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, ...put(manifest), annotations: { "org.opencontainers.image.ref.name": "test" } }] }));
}

interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  content?: string;
  link?: string;
  rdev?: number;
  xattrs: Record<string, string>;
}

function walk(dir: string): { nodes: Record<string, Node>; links: string[][] } {
  const nodes: Record<string, Node> = {};
  const inodes = new Map<number, string[]>();
  const visit = (rel: string) => {
    const p = join(dir, rel);
    const st = lstatSync(p);
    const type = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : st.isCharacterDevice() ? "char" : st.isFIFO() ? "fifo" : "other";
    const xattrs: Record<string, string> = {};
    for (const n of llistxattr(p)) if (!n.startsWith("trusted.overlay.") && !n.startsWith("security.selinux")) xattrs[n] = lgetxattr(p, n)?.toString("hex") ?? "";
    nodes[rel || "."] = {
      type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, xattrs,
      mtime: type === "dir" ? 0 : Math.floor(st.mtimeMs / 1000), // umoci sets times of directories; overlay reports its own for merged ones
      ...(type === "file" ? { content: createHash("sha256").update(readFileSync(p)).digest("hex") } : {}),
      ...(type === "symlink" ? { link: readlinkSync(p) } : {}),
      ...(type === "char" ? { rdev: st.rdev } : {}),
    };
    if (type === "file" && st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), rel]);
    if (type === "dir") for (const c of readdirSync(p).sort()) visit(rel ? `${rel}/${c}` : c);
  };
  visit("");
  return { nodes, links: [...inodes.values()].map((g) => g.sort()).sort() };
}

test.skipIf(!haveUmoci)("a multi-layer image unpacks to the same tree as umoci unpack gives", async () => {
  const blobs = layers.map((l) => gzipSync(buildTar(l)));
  const layout = join(root, "layout");
  writeLayout(layout, blobs);
  const bundle = join(root, "bundle");
  const r = spawnSync("umoci", ["unpack", "--image", `${layout}:test`, bundle]);
  expect(r.stderr.toString()).not.toMatch(/error/i);
  expect(r.status).toBe(0);

  const dirs: string[] = [];
  for (const [i, blob] of blobs.entries()) {
    const dir = join(root, `layer${i}`);
    mkdirSync(dir);
    await unpackLayer({ source: (async function* () { yield blob; })(), target: dir, lowers: [...dirs].reverse(), expected: { digest: digestBytes(blob), size: blob.length } });
    dirs.push(dir);
  }
  mnt = join(root, "merged");
  mkdirSync(mnt);
  mount("overlay", mnt, "overlay", 1 /* MS_RDONLY */, `lowerdir=${[...dirs].reverse().join(":")}`);
  const ours = walk(mnt);
  const theirs = walk(join(bundle, "rootfs"));
  umount(mnt);
  mnt = "";
  expect(ours.nodes).toEqual(theirs.nodes);
  expect(ours.links).toEqual(theirs.links);
  expect(existsSync(join(root, "merged/home"))).toBe(false);
});

afterAll(() => {
  try {
    rmdirSync(`/tmp/skiff-test-${process.pid}`); // only when empty: other test files of this run may use it
  } catch {}
});
