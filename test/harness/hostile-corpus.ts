// Builders for the hostile corpus of image archives (test/hostile-*.test.ts): docker-archive and
// OCI layout tars around crafted layers, raw tar headers with chosen fields, and the checks every
// case makes (canaries outside the store, the store's contents, the daemon still answering).
// The cases themselves live in the tests; these only assemble bytes and look.
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildTar, tarEntry, type TarWriteEntry } from "../../src/engine/archive/index.ts";

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
export const digestOf = (b: Uint8Array | string) => `sha256:${sha256(b)}`;

/** A layer tar of `entries` (with the end-of-archive trailer). */
export const layerTar = (entries: TarWriteEntry[]): Uint8Array => buildTar(entries);

export interface DockerArchiveOptions {
  /** Layer blobs as stored in the archive (plain tars, or compressed); diffIDs from `diffIds` or their own digest. */
  layers: Uint8Array[];
  diffIds?: string[];
  repoTags?: unknown;
  /** Replaces the generated manifest.json (any JSON, or raw text). */
  manifest?: unknown;
  /** Extra entries of the outer tar (before manifest.json). */
  extra?: TarWriteEntry[];
  /** Replaces the generated config (any JSON value, or raw text). */
  config?: unknown;
}

/** A `docker save` archive: <i>/layer.tar per layer, the config as <hex>.json, manifest.json. */
export function dockerArchive(o: DockerArchiveOptions): Uint8Array {
  const diffIds = o.diffIds ?? o.layers.map((l) => digestOf(l));
  const config = typeof o.config === "string" ? o.config : JSON.stringify(o.config === undefined ? { architecture: hostArch(), os: "linux", rootfs: { type: "layers", diff_ids: diffIds }, config: {} } : o.config);
  const configName = `${sha256(config)}.json`;
  const layerNames = o.layers.map((_, i) => `${i}/layer.tar`);
  const manifest = o.manifest === undefined ? JSON.stringify([{ Config: configName, RepoTags: o.repoTags === undefined ? ["hostile/case:1"] : o.repoTags, Layers: layerNames }]) : typeof o.manifest === "string" ? o.manifest : JSON.stringify(o.manifest);
  return buildTar([
    ...(o.extra ?? []),
    ...o.layers.flatMap((l, i): TarWriteEntry[] => [{ name: `${i}/`, type: "dir" }, { name: layerNames[i]!, type: "file", data: l }]),
    { name: configName, type: "file", data: config },
    { name: "manifest.json", type: "file", data: manifest },
  ]);
}

/** An OCI image layout tar: oci-layout, index.json (given, any JSON) and the blobs given by path. */
export function ociLayout(index: unknown, blobs: [string, Uint8Array | string][]): Uint8Array {
  return buildTar([
    { name: "oci-layout", type: "file", data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: "index.json", type: "file", data: typeof index === "string" ? index : JSON.stringify(index) },
    ...blobs.map(([name, data]): TarWriteEntry => ({ name, type: "file", data })),
  ]);
}

/** A complete OCI layout of one image with these layers (and the config/manifest it needs). */
export function ociImage(layers: Uint8Array[], o: { manifest?: (m: Record<string, unknown>) => unknown; index?: (i: Record<string, unknown>) => unknown } = {}): Uint8Array {
  const config = JSON.stringify({ architecture: hostArch(), os: "linux", rootfs: { type: "layers", diff_ids: layers.map(digestOf) }, config: {} });
  const layerDescs = layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digestOf(l), size: l.byteLength }));
  const manifestDoc = { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(config), size: config.length }, layers: layerDescs };
  const manifest = JSON.stringify(o.manifest ? o.manifest(manifestDoc) : manifestDoc);
  const indexDoc = { schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestOf(manifest), size: manifest.length, annotations: { "org.opencontainers.image.ref.name": "hostile/oci:1" } }] };
  const blob = (b: Uint8Array | string): [string, Uint8Array | string] => [`blobs/sha256/${sha256(b)}`, b];
  return ociLayout(o.index ? o.index(indexDoc) : indexDoc, [blob(config), blob(manifest), ...layers.map(blob)]);
}

function hostArch(): string {
  return process.arch === "x64" ? "amd64" : process.arch;
}

/** One header block of `entry` with `edit` applied to it and its checksum set again. */
export function editedHeader(entry: TarWriteEntry, edit: (block: Buffer) => void): Buffer {
  const bytes = Buffer.from(tarEntry(entry));
  const b = Buffer.from(bytes.subarray(bytes.byteLength - 512 * Math.ceil((entry.data ? Buffer.byteLength(entry.data) : 0) / 512) - 512).subarray(0, 512));
  edit(b);
  b.fill(0x20, 148, 156);
  const sum = b.reduce((a, x) => a + x, 0);
  b.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return b;
}

/** A PAX extended header ('x') holding `records` (key, value) for the entry after it. */
export function paxHeader(records: [string, string | Uint8Array][]): Buffer {
  const body = Buffer.concat(
    records.map(([k, v]) => {
      const value = Buffer.from(v);
      const rest = Buffer.byteLength(` ${k}=`) + value.byteLength + 1;
      let len = rest + String(rest).length;
      if (String(len).length !== String(len - rest).length) len = rest + String(len).length;
      return Buffer.concat([Buffer.from(`${len} ${k}=`), value, Buffer.from("\n")]);
    }),
  );
  const h = editedHeader({ name: "PaxHeaders/x", type: "file" }, (b) => {
    b[156] = "x".charCodeAt(0);
    b.write(body.byteLength.toString(8).padStart(11, "0"), 124, "latin1");
  });
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.byteLength % 512)) % 512)]);
}

/** Every path under `dir` with its type, size, mode, owner, inode, link count and (for files) content hash; symlinks not followed. */
export function fingerprint(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(dir, r));
      out.push(`${r} ${st.mode.toString(8)} ${st.size} ${st.uid}:${st.gid} ${st.ino} ${st.nlink} ${st.mtimeMs}${st.isFile() ? ` ${sha256(readFileSync(join(dir, r)))}` : ""}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk("");
  return out;
}

/** /etc/passwd as it is: inode, links, size, times and content. */
export function hostFiles(): string {
  return ["/etc/passwd", "/etc/shadow", "/etc/hostname"].filter(existsSync).map((p) => {
    const st = lstatSync(p);
    return `${p} ${st.ino} ${st.nlink} ${st.size} ${st.mtimeMs} ${st.ctimeMs} ${sha256(readFileSync(p))}`;
  }).join("\n");
}

/** What a daemon's store holds on disk: blob names, ingest files and snapshot directories. */
export function storeState(dataRoot: string): { blobs: string[]; ingest: string[]; snapshots: string[] } {
  const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
  return { blobs: ls(join(dataRoot, "content/blobs/sha256")), ingest: ls(join(dataRoot, "content/ingest")), snapshots: ls(join(dataRoot, "snapshots")) };
}

/** The parts of a daemon error as skiff prints it; undefined when stderr is not one clean error (a stack trace, an internal error, no hint). */
export function cleanError(stderr: string): { message: string; layer: string; code: string; hint: string } | undefined {
  const m = /^Error response from daemon: (.+) \(layer: (\w+), code: ([A-Z0-9_]+)\)\nhint: (.+)\n$/s.exec(stderr);
  if (!m || /\n\s+at |TypeError|RangeError|internal error|_INTERNAL/.test(stderr)) return undefined;
  return { message: m[1]!, layer: m[2]!, code: m[3]!, hint: m[4]! };
}
