// Differential on a real Debian: a `debootstrap --variant=minbase bookworm` rootfs (cached under
// .cache/) made into a three-layer image (1: the rootfs with GNU tar; 2: whiteouts of files and of a
// directory, an opaque directory, a hardlink pair, a hardlink to a file of layer 1, setuid/setgid
// files, xattrs, a sticky dir, files owned by others; 3: a directory replaced by a file and a file
// by a directory, a whiteout'd file back, changed directory metadata), pushed to a local
// docker-registry, pulled through bin/skiffd with `bin/skiff pull`. The merged view of skiff's
// snapshots (a read-only overlay from the store's mountsFor) must equal `umoci unpack` of the same
// image (skopeo copy from the registry): content, types, modes, owners, mtimes, xattrs, link
// targets, device numbers, hardlink groups. `bin/skiff save` must give a docker-archive skopeo and
// umoci accept, with the same tree again.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lgetxattr, llistxattr, mount, umount, MNT_DETACH } from "../src/common/sys.ts";
import { ImageStore } from "../src/engine/images/index.ts";
import type { TarWriteEntry } from "../src/engine/archive/index.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { CACHE, debianRootfs, entriesLayer, finishLayout, pushLayout, tarLayer } from "./harness/debian-image.ts";
import { removeDir, startSkiffd, tempDir, type Skiffd } from "./harness/skiffd.ts";

const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const tools = ["umoci", "skopeo", "tar", "gzip"].filter((c) => !have(c));

/** Bump when the layers below change: the cached layout is rebuilt. */
const LAYOUT_VERSION = "v1";
const TAG = "test";

const M = (sec: number) => ({ mtime: { sec, nsec: 0 } });
const T = M(1700000000);

function layer2(): TarWriteEntry[] {
  const x = (k: string, v: string) => new Map([[k, Buffer.from(v)]]);
  return [
    // whiteouts of files, and of a whole directory
    { name: "etc/", type: "dir", ...T },
    { name: "etc/.wh.motd", type: "file", ...T },
    { name: "etc/.wh.issue.net", type: "file", ...T },
    { name: "usr/", type: "dir", ...T },
    { name: "usr/bin/", type: "dir", ...T },
    { name: "usr/bin/.wh.pinky", type: "file", ...T },
    { name: "usr/share/", type: "dir", ...T },
    { name: "usr/share/doc/", type: "dir", ...T },
    { name: "usr/share/doc/.wh.bash", type: "file", ...T },
    // an opaque directory with one new file
    { name: "etc/apt/", type: "dir", ...T },
    { name: "etc/apt/apt.conf.d/", type: "dir", ...T },
    { name: "etc/apt/apt.conf.d/.wh..wh..opq", type: "file", ...T },
    { name: "etc/apt/apt.conf.d/99skiff", type: "file", data: 'APT::Install-Recommends "false";\n', ...T },
    // hardlinks in the layer and to a file of layer 1, setuid/setgid, a symlink, xattrs
    { name: "usr/local/", type: "dir", ...T },
    { name: "usr/local/bin/", type: "dir", ...T },
    { name: "usr/local/bin/tool", type: "file", data: "#!/bin/sh\necho tool\n", mode: 0o755, ...M(1700000100) },
    { name: "usr/local/bin/tool-again", type: "hardlink", linkname: "usr/local/bin/tool" },
    { name: "usr/local/bin/dpkg-too", type: "hardlink", linkname: "usr/bin/dpkg" },
    { name: "usr/local/bin/suid-tool", type: "file", data: "suid", mode: 0o4755, ...T },
    { name: "usr/local/bin/sgid-tool", type: "file", data: "sgid", mode: 0o2755, gid: 42, ...T },
    { name: "usr/local/bin/tool-link", type: "symlink", linkname: "tool", ...T },
    { name: "usr/local/bin/gone-later", type: "file", data: "removed by layer 3", mode: 0o4711, ...T },
    { name: "usr/local/share/", type: "dir", ...T, xattrs: x("user.skiff.dir", "a directory") },
    { name: "usr/local/share/xattr-file", type: "file", data: "has xattrs", ...T, xattrs: new Map([["user.skiff.one", Buffer.from("1")], ["user.skiff.bin", Buffer.from([0, 1, 2, 255])]]) },
    // owned by others, sticky
    { name: "srv/", type: "dir", ...T },
    { name: "srv/www/", type: "dir", uid: 33, gid: 33, mode: 0o750, ...T },
    { name: "srv/www/index.html", type: "file", data: "<h1>hi</h1>\n", uid: 33, gid: 33, mode: 0o640, ...T },
    { name: "var/", type: "dir", ...T },
    { name: "var/spool-skiff/", type: "dir", mode: 0o1777, ...T },
    { name: "var/spool-skiff/fifo", type: "fifo", mode: 0o600, ...T },
  ];
}

function layer3(): TarWriteEntry[] {
  return [
    // a directory (of layer 1) replaced by a file, a file (of layer 1) by a directory
    { name: "usr/", type: "dir", ...T },
    { name: "usr/share/", type: "dir", ...T },
    { name: "usr/share/doc/", type: "dir", ...T },
    { name: "usr/share/doc/apt", type: "file", data: "apt's docs were here\n", ...T },
    { name: "etc/", type: "dir", ...T },
    { name: "etc/debian_version/", type: "dir", mode: 0o700, ...T },
    { name: "etc/debian_version/now-a-dir", type: "file", data: "12\n", ...T },
    // a whiteout'd file back, with other metadata
    { name: "etc/motd", type: "file", data: "back again\n", mode: 0o600, uid: 1, gid: 1, ...T },
    // the directory of layer 2 with new owner and mode; a file of layer 2 removed
    { name: "srv/", type: "dir", ...T },
    { name: "srv/www/", type: "dir", uid: 0, gid: 0, mode: 0o755, ...T },
    { name: "usr/local/", type: "dir", ...T },
    { name: "usr/local/bin/", type: "dir", ...T },
    { name: "usr/local/bin/.wh.gone-later", type: "file", ...T },
  ];
}

/** The cached OCI layout of the test image (rebuilt when missing), or why there is none. */
function testLayout(): { layout: string } | { skip: string } {
  if (tools.length) return { skip: `missing tools: ${tools.join(", ")}` };
  if (!haveRegistry) return { skip: "docker-registry (and htpasswd) not installed" };
  const rootfs = debianRootfs();
  if ("skip" in rootfs) return rootfs;
  const base = join(CACHE, `debian-image-test-${LAYOUT_VERSION}`);
  const layout = join(base, "layout");
  if (existsSync(join(base, "complete")) && lstatSync(join(base, "complete")).mtimeMs >= lstatSync(join(CACHE, "debian-minbase/complete")).mtimeMs) return { layout };
  rmSync(base, { recursive: true, force: true });
  mkdirSync(layout, { recursive: true });
  const layers = [
    // as Debian's images: without apt's package lists and downloaded .debs
    tarLayer(layout, rootfs.rootfs, { exclude: ["./var/cache/apt/archives/*.deb", "./var/lib/apt/lists/*_*"], level: 1 }),
    entriesLayer(layout, layer2()),
    entriesLayer(layout, layer3()),
  ];
  finishLayout(layout, layers, TAG);
  writeFileSync(join(base, "complete"), "");
  return { layout };
}

const prepared = testLayout();
const skip = "skip" in prepared ? prepared.skip : undefined;
if (skip) console.warn(`images-debian.test.ts: skipped: ${skip}`);

let dir = "";
let d: Skiffd | undefined;
let registry: RegistryServer | undefined;
let ref = "";
let umociTree: Tree | undefined;
const mounts: string[] = [];

beforeAll(async () => {
  if (skip) return;
  dir = tempDir("images-debian");
  registry = await startRegistry({ dir: join(dir, "registry") });
  ref = `${registry.domain}/skiff-test/debian:${TAG}`;
  await pushLayout((prepared as { layout: string }).layout, registry.url, "skiff-test/debian", TAG);
  d = await startSkiffd(["--insecure-registry", registry.domain], join(dir, "skiffd"));
}, 120_000);

afterAll(async () => {
  for (const m of mounts.reverse()) {
    try {
      umount(m, MNT_DETACH);
    } catch {}
  }
  await d?.stop();
  await registry?.stop();
  if (dir) removeDir(dir);
});

const ok = (r: { status: number | null; stdout: string | Buffer; stderr: string | Buffer }, what: string) => {
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout.toString();
};
const sh = (cmd: string, args: string[], timeout = 120_000) => ok(spawnSync(cmd, args, { encoding: "utf8", timeout, maxBuffer: 64 << 20 }), `${cmd} ${args.join(" ")}`);

interface Node {
  type: string;
  mode: string;
  owner: string;
  mtime?: string;
  content?: string;
  link?: string;
  rdev?: number;
  xattrs?: Record<string, string>;
}

interface Tree {
  nodes: Record<string, Node>;
  links: string[][];
}

function walk(root: string): Tree {
  const nodes: Record<string, Node> = {};
  const inodes = new Map<string, string[]>();
  const visit = (rel: string) => {
    const p = rel ? join(root, rel) : root;
    const st = lstatSync(p, { bigint: true });
    const type = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : st.isCharacterDevice() ? "char" : st.isBlockDevice() ? "block" : st.isFIFO() ? "fifo" : st.isSocket() ? "socket" : "other";
    const xattrs: Record<string, string> = {};
    for (const n of llistxattr(p).sort()) if (!n.startsWith("trusted.overlay.") && !n.startsWith("security.selinux")) xattrs[n] = lgetxattr(p, n)?.toString("hex") ?? "";
    const node: Node = { type, mode: (Number(st.mode) & 0o7777).toString(8), owner: `${st.uid}:${st.gid}` };
    // umoci sets the times of directories from the archive; overlay shows the topmost layer's
    if (type !== "dir") node.mtime = String(st.mtimeNs);
    if (type === "file") node.content = createHash("sha256").update(readFileSync(p)).digest("hex");
    if (type === "symlink") node.link = readlinkSync(p);
    if (type === "char" || type === "block") node.rdev = Number(st.rdev);
    if (Object.keys(xattrs).length) node.xattrs = xattrs;
    nodes[rel || "."] = node;
    if (type !== "dir" && st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      inodes.set(key, [...(inodes.get(key) ?? []), rel]);
    }
    if (type === "dir") for (const c of readdirSync(p).sort()) visit(rel ? `${rel}/${c}` : c);
  };
  visit("");
  return { nodes, links: [...inodes.values()].filter((g) => g.length > 1).map((g) => g.sort()).sort() };
}

/** The entries where two trees differ, as readable lines (at most `max`). */
function differences(ours: Tree, theirs: Tree, max = 40): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(ours.nodes), ...Object.keys(theirs.nodes)])].sort();
  for (const k of keys) {
    const a = JSON.stringify(ours.nodes[k]);
    const b = JSON.stringify(theirs.nodes[k]);
    if (a !== b) out.push(`${k}: skiff ${a ?? "(missing)"} / umoci ${b ?? "(missing)"}`);
  }
  const la = JSON.stringify(ours.links);
  const lb = JSON.stringify(theirs.links);
  if (la !== lb) {
    const sa = new Set(ours.links.map((g) => g.join(" = ")));
    const sb = new Set(theirs.links.map((g) => g.join(" = ")));
    for (const g of sa) if (!sb.has(g)) out.push(`hardlink group only in skiff: ${g}`);
    for (const g of sb) if (!sa.has(g)) out.push(`hardlink group only in umoci: ${g}`);
  }
  return out.length > max ? [...out.slice(0, max), `... and ${out.length - max} more`] : out;
}

function umociUnpack(image: string, bundle: string): Tree {
  sh("umoci", ["unpack", "--image", image, bundle]);
  return walk(join(bundle, "rootfs"));
}

function theirTree(): Tree {
  if (!umociTree) {
    const oci = join(dir, "oci-from-registry");
    sh("skopeo", ["copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${oci}:${TAG}`]);
    umociTree = umociUnpack(`${oci}:${TAG}`, join(dir, "bundle-registry"));
    rmSync(oci, { recursive: true, force: true });
  }
  return umociTree;
}

test.skipIf(!!skip)(
  "a pulled minbase Debian with whiteouts, opaque dirs, hardlinks, setuid files: skiff's merged view = umoci unpack",
  () => {
    const pull = d!.skiff(["pull", ref]);
    expect(pull.stderr).toBe("");
    expect(pull.status).toBe(0);
    expect(pull.stdout).toContain(`Status: Downloaded newer image for ${ref}`);

    // the store, read from the data root (the daemon keeps running: reading only)
    const store = new ImageStore({ dataRoot: join(d!.dir, "data") });
    let m;
    try {
      m = store.mountsFor(ref);
    } finally {
      store.close();
    }
    const merged = join(dir, "merged");
    mkdirSync(merged);
    const cwd = process.cwd();
    if (m.type === "bind") mount(m.source, merged, "", 0x1000 /* MS_BIND */);
    else {
      if (m.cwd) process.chdir(m.cwd);
      try {
        mount("overlay", merged, "overlay", 1 /* MS_RDONLY */, m.data);
      } finally {
        process.chdir(cwd);
      }
    }
    mounts.push(merged);
    let ours: Tree;
    try {
      ours = walk(merged);
    } finally {
      umount(merged);
      mounts.pop();
    }
    const theirs = theirTree();

    // the layers did what they say (in both trees)
    for (const t of [ours, theirs]) {
      expect(t.nodes["etc/motd"]).toMatchObject({ type: "file", mode: "600", owner: "1:1" });
      expect(t.nodes["etc/issue.net"]).toBeUndefined();
      expect(t.nodes["usr/bin/pinky"]).toBeUndefined();
      expect(t.nodes["usr/share/doc/bash"]).toBeUndefined();
      expect(t.nodes["usr/share/doc/bash/copyright"]).toBeUndefined();
      expect(Object.keys(t.nodes).filter((k) => k.startsWith("etc/apt/apt.conf.d/"))).toEqual(["etc/apt/apt.conf.d/99skiff"]);
      expect(t.nodes["usr/share/doc/apt"]?.type).toBe("file");
      expect(t.nodes["etc/debian_version"]).toMatchObject({ type: "dir", mode: "700" });
      expect(t.nodes["usr/local/bin/gone-later"]).toBeUndefined();
      expect(t.nodes["usr/local/bin/suid-tool"]).toMatchObject({ mode: "4755", owner: "0:0" });
      expect(t.nodes["usr/local/bin/sgid-tool"]).toMatchObject({ mode: "2755", owner: "0:42" });
      expect(t.nodes["usr/bin/su"]).toMatchObject({ mode: "4755", owner: "0:0" });
      expect(t.nodes["srv/www"]).toMatchObject({ mode: "755", owner: "0:0" });
      expect(t.nodes["dev/null"]).toMatchObject({ type: "char" });
      expect(t.links).toContainEqual(["usr/local/bin/tool", "usr/local/bin/tool-again"]);
      expect(t.links).toContainEqual(["usr/bin/perl", "usr/bin/perl5.36.0"]);
      expect(t.nodes["usr/local/share/xattr-file"]?.xattrs).toEqual({ "user.skiff.bin": "000102ff", "user.skiff.one": "31" });
    }
    expect(Object.keys(ours.nodes).length).toBeGreaterThan(5000);
    expect(differences(ours, theirs)).toEqual([]);
  },
  90_000,
);

test.skipIf(!!skip)(
  "skiff save writes a docker-archive that skopeo inspects and copies, and umoci unpacks to the same tree",
  () => {
    const archive = join(dir, "saved.tar");
    const save = d!.skiff(["save", "-o", archive, ref]);
    expect(save.stderr).toBe("");
    expect(save.status).toBe(0);
    const inspect = JSON.parse(sh("skopeo", ["inspect", `docker-archive:${archive}`]));
    expect(inspect.Layers).toHaveLength(3);
    expect(inspect.Os).toBe("linux");
    const raw = JSON.parse(sh("skopeo", ["inspect", "--config", `docker-archive:${archive}`]));
    expect(raw.rootfs.diff_ids).toHaveLength(3);
    const oci = join(dir, "oci-from-save");
    sh("skopeo", ["copy", `docker-archive:${archive}`, `oci:${oci}:saved`]);
    rmSync(archive);
    const fromSave = umociUnpack(`${oci}:saved`, join(dir, "bundle-save"));
    rmSync(oci, { recursive: true, force: true });
    expect(differences(fromSave, theirTree())).toEqual([]);
  },
  90_000,
);
