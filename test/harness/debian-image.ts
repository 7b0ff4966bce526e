// Debian images for the image tests and bench/image-pull.ts: a `debootstrap --variant=minbase
// bookworm` rootfs built once and cached under .cache/, layers made from it with GNU tar (or from
// entries with the repo's tar writer), an OCI image layout holding them, and a minimal pusher of
// such a layout to a registry (monolithic blob uploads, then the manifest).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildTar, type TarWriteEntry } from "../../src/engine/archive/index.ts";

export const REPO = join(import.meta.dir, "../..");
export const CACHE = join(REPO, ".cache");

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

/** The Debian mirror apt is configured with (deb822 or one-line sources), else deb.debian.org. */
export function debianMirror(): string {
  const files: string[] = [];
  if (existsSync("/etc/apt/sources.list")) files.push("/etc/apt/sources.list");
  const d = "/etc/apt/sources.list.d";
  if (existsSync(d)) for (const f of readdirSync(d).sort()) if (/\.(list|sources)$/.test(f)) files.push(join(d, f));
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    // deb822 stanzas
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/im.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/im.exec(stanza)?.[1] ?? "";
      if (uri && /\bbookworm\b/.test(suites) && !/security/.test(uri) && /^Types:.*\bdeb\b/im.test(stanza)) return uri;
    }
    for (const line of text.split("\n")) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(line.trim() + " ");
      if (m && !/security/.test(m[1]!)) return m[1]!;
    }
  }
  return "http://deb.debian.org/debian";
}

export type RootfsResult = { rootfs: string } | { skip: string };

/** The cached minbase rootfs (built on first use, rebuilt when missing), or why it cannot be had. */
export function debianRootfs(): RootfsResult {
  const base = join(CACHE, "debian-minbase");
  const rootfs = join(base, "rootfs");
  if (existsSync(join(base, "complete")) && existsSync(join(rootfs, "usr/bin/dpkg"))) return { rootfs };
  if (process.getuid?.() !== 0) return { skip: "debootstrap needs root" };
  if (spawnSync("sh", ["-c", "command -v debootstrap"]).status !== 0) {
    const r = spawnSync("apt-get", ["install", "-y", "debootstrap"], { encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) return { skip: `debootstrap is missing and apt-get install failed: ${(r.stderr || r.stdout).slice(-500)}` };
  }
  mkdirSync(base, { recursive: true });
  const tmp = join(base, `rootfs.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(join(base, "complete"), { force: true });
  const mirror = debianMirror();
  const r = spawnSync("debootstrap", ["--variant=minbase", "bookworm", tmp, mirror], { encoding: "utf8", timeout: 900_000 });
  writeFileSync(join(base, "log"), `${r.stdout}\n${r.stderr}`);
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    return { skip: `debootstrap --variant=minbase bookworm from ${mirror} failed (exit ${r.status}); cannot reach the mirror? ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}` };
  }
  rmSync(rootfs, { recursive: true, force: true });
  renameSync(tmp, rootfs);
  writeFileSync(join(base, "complete"), `${new Date().toISOString()} ${mirror}\n`);
  return { rootfs };
}

export interface Blob {
  digest: string;
  size: number;
  path: string;
}

export interface Layer extends Blob {
  diffId: string;
  /** Uncompressed size. */
  tarSize: number;
}

const sha256File = (path: string): string => {
  const r = spawnSync("sha256sum", [path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sha256sum ${path}: ${r.stderr}`);
  return `sha256:${r.stdout.split(" ")[0]}`;
};

const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function putBlob(layout: string, data: Uint8Array | string): Blob {
  const dir = join(layout, "blobs/sha256");
  mkdirSync(dir, { recursive: true });
  const digest = sha256(data);
  const path = join(dir, digest.slice(7));
  writeFileSync(path, data);
  return { digest, size: typeof data === "string" ? Buffer.byteLength(data) : data.byteLength, path };
}

/** GNU tar of `rootfs` (all of it, or the paths in `list` without recursion; `exclude` patterns),
 * gzip'd into the layout's blobs. Names as tar writes them ("./usr/bin" or the list's). */
export function tarLayer(layout: string, rootfs: string, opts: { list?: string[]; exclude?: string[]; level?: number } = {}): Layer {
  const dir = join(layout, "blobs/sha256");
  mkdirSync(dir, { recursive: true });
  const tmpTar = join(layout, `layer-${process.pid}-${Math.random().toString(36).slice(2)}.tar`);
  const args = ["--create", "--format=pax", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--sort=name", "-f", tmpTar, "-C", rootfs];
  for (const e of opts.exclude ?? []) args.push(`--exclude=${e}`);
  let listFile = "";
  if (opts.list) {
    listFile = `${tmpTar}.list`;
    writeFileSync(listFile, opts.list.join("\n") + "\n");
    args.push("--no-recursion", "--verbatim-files-from", "-T", listFile);
  } else args.push(".");
  const t = spawnSync("tar", args, { encoding: "utf8" });
  if (listFile) rmSync(listFile, { force: true });
  if (t.status !== 0) throw new Error(`tar of ${rootfs} failed: ${t.stderr}`);
  const diffId = sha256File(tmpTar);
  const tarSize = Number(spawnSync("stat", ["-c", "%s", tmpTar], { encoding: "utf8" }).stdout.trim());
  const gz = `${tmpTar}.gz`;
  const z = spawnSync("sh", ["-c", `gzip -n -${opts.level ?? 6} -c "$1" > "$2"`, "sh", tmpTar, gz]);
  rmSync(tmpTar, { force: true });
  if (z.status !== 0) throw new Error(`gzip failed: ${z.stderr}`);
  const digest = sha256File(gz);
  const path = join(dir, digest.slice(7));
  renameSync(gz, path);
  const size = Number(spawnSync("stat", ["-c", "%s", path], { encoding: "utf8" }).stdout.trim());
  return { digest, size, path, diffId, tarSize };
}

/** A layer from entries, with the repo's tar writer. */
export function entriesLayer(layout: string, entries: TarWriteEntry[]): Layer {
  const tar = buildTar(entries);
  const gz = gzipSync(tar);
  return { ...putBlob(layout, gz), diffId: sha256(tar), tarSize: tar.byteLength };
}

/** Writes config, manifest and index.json (ref name `tag`); returns the manifest blob. */
export function finishLayout(layout: string, layers: Layer[], tag: string, config: Record<string, unknown> = {}): Blob {
  const cfg = putBlob(
    layout,
    JSON.stringify({
      architecture: process.arch === "arm64" ? "arm64" : "amd64",
      os: "linux",
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["bash"], ...config },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created_by: `skiff test layer ${i + 1}` })),
    }),
  );
  const manifest = putBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: cfg.digest, size: cfg.size },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
    }),
  );
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(layout, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest: manifest.digest, size: manifest.size, annotations: { "org.opencontainers.image.ref.name": tag } }] }));
  return manifest;
}

/** The manifest of the layout's only image and its blobs' digests and paths. */
export function layoutImage(layout: string): { manifest: Blob; mediaType: string; blobs: Blob[] } {
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  const m = index.manifests[0];
  const path = (d: string) => join(layout, "blobs/sha256", d.slice(7));
  const manifest = JSON.parse(readFileSync(path(m.digest), "utf8"));
  const blobs = [manifest.config, ...manifest.layers].map((d: { digest: string; size: number }) => ({ digest: d.digest, size: d.size, path: path(d.digest) }));
  return { manifest: { digest: m.digest, size: m.size, path: path(m.digest) }, mediaType: m.mediaType, blobs };
}

/** Pushes the layout's image to `registryUrl` (http://host:port) as `repo:tag`. */
export async function pushLayout(layout: string, registryUrl: string, repo: string, tag: string): Promise<void> {
  const { manifest, mediaType, blobs } = layoutImage(layout);
  for (const b of blobs) {
    const head = await fetch(`${registryUrl}/v2/${repo}/blobs/${b.digest}`, { method: "HEAD" });
    if (head.status === 200) continue;
    const start = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: "POST" });
    await start.body?.cancel();
    if (start.status !== 202) throw new Error(`start upload of ${b.digest}: HTTP ${start.status}`);
    const loc = new URL(start.headers.get("location")!, registryUrl);
    loc.searchParams.set("digest", b.digest);
    const put = await fetch(loc, { method: "PUT", body: Bun.file(b.path), headers: { "content-type": "application/octet-stream", "content-length": String(b.size) } });
    const text = await put.text();
    if (put.status !== 201) throw new Error(`upload of ${b.digest}: HTTP ${put.status} ${text}`);
  }
  const put = await fetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, { method: "PUT", body: readFileSync(manifest.path), headers: { "content-type": mediaType } });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`put manifest ${repo}:${tag}: HTTP ${put.status} ${text}`);
}

/** Paths (relative, sorted) of every entry under `rootfs`, directories included, as `find` lists them. */
export function listTree(rootfs: string, excludePrefixes: string[] = []): { path: string; size: number; dir: boolean }[] {
  const r = spawnSync("find", [".", "-mindepth", "1", "-printf", "%P\\t%s\\t%y\\n"], { cwd: rootfs, encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`find ${rootfs}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [path, size, type] = l.split("\t");
      return { path: path!, size: Number(size), dir: type === "d" };
    })
    .filter((e) => !excludePrefixes.some((p) => e.path === p || e.path.startsWith(p + "/")))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Parent directories of `path` (relative), outermost first. */
export function parentsOf(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}
