// The hostile corpus of `skiff load` (written for skiff): layers that try to write or link outside
// their snapshot, in a docker-archive and in an OCI layout, and archives whose manifest.json or
// index.json point outside the archive, are malformed, or nest without end. For every case: the
// canary directory, /etc/passwd and the daemon's own directory are unchanged; a refusal is one
// clear error (message, layer, code, hint; no stack trace); the daemon answers afterwards; the
// store holds what it held before (no image, blob, ingest file or snapshot directory more).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TarWriteEntry } from "../src/engine/archive/index.ts";
import { digestOf, dockerArchive, layerTar, ociImage, ociLayout, storeState } from "./harness/hostile-corpus.ts";
import { expectAccepted, expectRefused, makeCanary, startSandbox, stopSandbox, type Sandbox } from "./harness/hostile-daemon.ts";

let s: Sandbox;
/** Files outside the store that no case may touch (made at load time: the cases name it). */
const canary = makeCanary();

beforeAll(async () => {
  s = await startSandbox(canary);
}, 30_000);
afterAll(() => stopSandbox(s));

/** Loads `archive`; checks it is refused with `want` and leaves nothing, outside or in the store. */
const refused = (archive: Uint8Array, want: { layer: string; code: string; message?: RegExp }) => expectRefused(s, ["load", "-i", "@"], archive, want);

const up = "../".repeat(24);

/** Layer stacks that must be refused: [name, layers (bottom first), code, message]. */
const layerCases = (): [string, TarWriteEntry[][], string, RegExp][] => [
  ["an entry climbing out with ../", [[{ name: `${up}${canary.slice(1)}/escape`, type: "file", data: "pwned" }]], "IMAGE_LAYER_UNSAFE_PATH", /contains "\.\."/],
  ["an absolute entry", [[{ name: join(canary, "abs"), type: "file", data: "pwned" }]], "IMAGE_LAYER_UNSAFE_PATH", /is an absolute path/],
  ["a symlink out of the root, then a file through it", [[{ name: "evil", type: "symlink", linkname: canary }, { name: "evil/pwned", type: "file", data: "pwned" }]], "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "evil"/],
  ["a relative symlink out of the root, then a directory and file through it", [[{ name: "evil", type: "symlink", linkname: `${up}${canary.slice(1)}` }, { name: "evil/dir/pwned", type: "file", data: "pwned" }]], "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "evil"/],
  ["a hardlink to /etc/passwd", [[{ name: "passwd", type: "hardlink", linkname: "/etc/passwd" }]], "IMAGE_LAYER_UNSAFE_PATH", /target "\/etc\/passwd" is an absolute path/],
  ["a hardlink climbing to the canary", [[{ name: "c", type: "hardlink", linkname: `${up}${canary.slice(1)}/canary` }]], "IMAGE_LAYER_UNSAFE_PATH", /contains "\.\."/],
  ["a hardlink through a symlink to /etc", [[{ name: "etc", type: "symlink", linkname: "/etc" }, { name: "p", type: "hardlink", linkname: "etc/passwd" }]], "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "etc"/],
  ["a symlink loop, then a file through it", [[{ name: "a", type: "symlink", linkname: "b" }, { name: "b", type: "symlink", linkname: "a" }, { name: "a/x", type: "file", data: "x" }]], "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "a"/],
  ["a symlink to itself, then a file through it", [[{ name: "s", type: "symlink", linkname: "s" }, { name: "s/x", type: "file", data: "x" }]], "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "s"/],
  ["a whiteout of ..", [[{ name: "etc/.wh...", type: "file" }]], "IMAGE_LAYER_UNSAFE_PATH", /contains "\.\."/],
  [
    "a directory replaced by a symlink in the next layer, then a file through it in the third",
    [[{ name: "d/", type: "dir" }, { name: "d/f", type: "file", data: "1" }], [{ name: "d", type: "symlink", linkname: canary }], [{ name: "d/pwned", type: "file", data: "pwned" }]],
    "IMAGE_LAYER_UNSAFE_PATH",
    /goes through symlink "d" of a lower layer/,
  ],
  ["a lower symlink to /etc, then a hardlink to etc/passwd through it", [[{ name: "etc", type: "symlink", linkname: "/etc" }], [{ name: "p", type: "hardlink", linkname: "etc/passwd" }]], "IMAGE_LAYER_INVALID", /points to "etc\/passwd", which is not in this layer or below it/],
  ["a lower symlink to the canary dir, then a file under it", [[{ name: "c", type: "symlink", linkname: join(canary, "dir") }], [{ name: "c/canary", type: "file", data: "pwned" }]], "IMAGE_LAYER_UNSAFE_PATH", /goes through symlink "c" of a lower layer/],
  ["a file whose data is cut short", [[{ name: "big", type: "file", data: "x".repeat(5000) }]], "IMAGE_LAYER_TRUNCATED", /inside the content of "big"/],
];

describe("layers that reach outside their snapshot, in a docker-archive and an OCI layout", () => {
  for (const format of ["docker-archive", "oci-layout"] as const) {
    describe(format, () => {
      test.each(layerCases().map((c) => [c[0], c] as const))("%s", async (_name, [, stack, code, message]) => {
        const tars = stack.map((entries) => layerTar(entries));
        if (code === "IMAGE_LAYER_TRUNCATED") tars[0] = tars[0]!.subarray(0, 2048); // cut inside the file's data
        const archive = format === "docker-archive" ? dockerArchive({ layers: tars }) : ociImage(tars);
        await refused(archive, { layer: "image", code, message });
      }, 30_000);
    });
  }
});

const good = () => layerTar([{ name: "f", type: "file", data: "ok" }]);
const passwd = () => readFileSync("/etc/passwd");

/** Archives whose own structure is hostile or malformed: [name, archive, layer, code, message]. */
const archiveCases = (): [string, () => Uint8Array, string, string, RegExp][] => [
  ["manifest.json's Config is ../../etc/passwd", () => dockerArchive({ layers: [good()], manifest: [{ Config: "../../etc/passwd", RepoTags: ["x:1"], Layers: [] }] }), "engine", "ENGINE_LOAD_INVALID", /names "\.\.\/\.\.\/etc\/passwd", which the archive does not hold/],
  ["manifest.json's layer is /proc/self/environ", () => dockerArchive({ layers: [good()], manifest: [{ Config: "c.json", RepoTags: ["x:1"], Layers: ["/proc/self/environ"] }], extra: [{ name: "c.json", type: "file", data: "{}" }] }), "engine", "ENGINE_LOAD_INVALID", /names "\/proc\/self\/environ", which the archive does not hold/],
  // an archive's names are keys into it, never paths: the entry is read as the config it is named as, and written nowhere
  ["an archive entry climbing to the canary, named as the config", () => dockerArchive({ layers: [good()], extra: [{ name: `${up}${canary.slice(1)}/escape`, type: "file", data: "pwned" }], manifest: [{ Config: `${up}${canary.slice(1)}/escape`, Layers: [] }] }), "image", "IMAGE_CONFIG_INVALID", /parse image config: /],
  ["manifest.json's RepoTags holds a number (it was API_INTERNAL)", () => dockerArchive({ layers: [good()], repoTags: [1] }), "engine", "ENGINE_LOAD_INVALID", /not a list of \{Config, RepoTags, Layers\}/],
  ["manifest.json's RepoTags is a string (it was API_INTERNAL)", () => dockerArchive({ layers: [good()], repoTags: "x:1" }), "engine", "ENGINE_LOAD_INVALID", /not a list of \{Config, RepoTags, Layers\}/],
  ["manifest.json's Layers holds a number (it was API_INTERNAL)", () => dockerArchive({ layers: [good()], manifest: [{ Config: "c.json", Layers: [1] }] }), "engine", "ENGINE_LOAD_INVALID", /not a list of \{Config, RepoTags, Layers\}/],
  ["manifest.json's RepoTags names a digest (it was recorded as a tag)", () => dockerArchive({ layers: [good()], repoTags: [`x@sha256:${"a".repeat(64)}`] }), "engine", "ENGINE_LOAD_INVALID", /names a digest, not a tag/],
  ["manifest.json is 100,000 arrays deep", () => dockerArchive({ layers: [good()], manifest: "[".repeat(100_000) + "]".repeat(100_000) }), "engine", "ENGINE_LOAD_INVALID", /not a list/],
  ["the config is null", () => dockerArchive({ layers: [good()], config: "null" }), "image", "IMAGE_CONFIG_INVALID", /must be an object, got null/],
  ["the config's os is a number (it was recorded)", () => dockerArchive({ layers: [good()], config: { os: 1, architecture: "amd64", rootfs: { type: "layers", diff_ids: [digestOf(good())] } } }), "image", "IMAGE_CONFIG_INVALID", /os must be a string/],
  ["the config is 100,000 arrays deep", () => dockerArchive({ layers: [good()], config: "[".repeat(100_000) + "]".repeat(100_000) }), "image", "IMAGE_CONFIG_INVALID", /nested more than/],
  ["index.json's manifest digest is a path", () => ociLayout({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:../../../../etc/passwd", size: 10 }] }, []), "image", "IMAGE_MANIFEST_INVALID", /digest/],
  ["a blob entry whose path climbs out of blobs/, named by its digest", () => ociLayout({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestOf("pwned"), size: 5 }] }, [[`blobs/sha256/${up}${canary.slice(1)}/escape`, "pwned"]]), "image", "IMAGE_MANIFEST_INVALID", /.+/],
  ["index.json names a manifest the archive does not hold", () => ociLayout({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestOf("absent"), size: 6 }] }, []), "engine", "ENGINE_LOAD_INVALID", /index.json's manifest sha256:\w+ is neither in the archive nor in the store/],
  ["an OCI layer that is /etc/passwd's digest (the daemon never reads a host file for it)", () => ociImage([good()], { manifest: (m) => ({ ...m, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digestOf(passwd()), size: passwd().length }] }) }), "engine", "ENGINE_LOAD_INVALID", /neither in the archive nor in the store/],
  ["an OCI config that is /etc/passwd's digest", () => ociImage([good()], { manifest: (m) => ({ ...m, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(passwd()), size: passwd().length } }) }), "engine", "ENGINE_LOAD_INVALID", /the image's config sha256:\w+ is neither in the archive nor in the store/],
  ["image indexes nested five deep (it was API_INTERNAL)", nestedIndexes, "engine", "ENGINE_LOAD_INVALID", /nests image indexes deeper than 3/],
  ["manifest.json twice, the last naming ../../etc/passwd (the last wins, as a tar is read)", () => dockerArchive({ layers: [good()], extra: [{ name: "manifest.json", type: "file", data: "[]" }], manifest: [{ Config: "../../etc/passwd", Layers: [] }] }), "engine", "ENGINE_LOAD_INVALID", /names "\.\.\/\.\.\/etc\/passwd", which the archive does not hold/],
  ["manifest.json's Config is /proc/self/environ and a layer ../../etc/passwd", () => dockerArchive({ layers: [good()], manifest: [{ Config: "/proc/self/environ", Layers: ["../../etc/passwd"] }] }), "engine", "ENGINE_LOAD_INVALID", /names "\/proc\/self\/environ", which the archive does not hold/],
  ["an archive cut inside a layer", () => dockerArchive({ layers: [layerTar([{ name: "big", type: "file", data: "y".repeat(20_000) }])] }).subarray(0, 6000), "image", "IMAGE_ARCHIVE_TRUNCATED", /the data ends at byte 6000/],
];

/** An OCI layout whose index leads through five indexes to a good image. */
function nestedIndexes(): Uint8Array {
  const layer = good();
  const config = JSON.stringify({ architecture: process.arch === "x64" ? "amd64" : process.arch, os: "linux", rootfs: { type: "layers", diff_ids: [digestOf(layer)] } });
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(config), size: config.length }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digestOf(layer), size: layer.length }] });
  const blobs: [string, Uint8Array | string][] = [config, manifest, layer].map((b) => [`blobs/sha256/${digestOf(b).slice(7)}`, b]);
  let inner = { mediaType: "application/vnd.oci.image.manifest.v1+json", doc: manifest };
  for (let i = 0; i < 5; i++) {
    const index = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: inner.mediaType, digest: digestOf(inner.doc), size: inner.doc.length, platform: { os: "linux", architecture: process.arch === "x64" ? "amd64" : process.arch } }] });
    blobs.push([`blobs/sha256/${digestOf(index).slice(7)}`, index]);
    inner = { mediaType: "application/vnd.oci.image.index.v1+json", doc: index };
  }
  return ociLayout({ schemaVersion: 2, manifests: [{ mediaType: inner.mediaType, digest: digestOf(inner.doc), size: inner.doc.length }] }, blobs);
}

describe("duplicates in the archive", () => {
  test("one layer named twice in Layers and stored twice under two names loads as two layers of one blob, and nothing is left staged", () => {
    const layer = good();
    const r = expectAccepted(s, ["load", "-i", "@"], dockerArchive({ layers: [layer, layer], repoTags: ["hostile/dup:1"] }));
    expect(r.stdout).toBe("Loaded image: hostile/dup:1\n");
    expect(s.d.skiff(["image", "inspect", "--format", "{{len .RootFS.Layers}}", "hostile/dup:1"]).stdout).toBe("2\n");
    expect(storeState(join(s.d.dir, "data")).ingest).toEqual([]);
  });

  test("a layer two images share, stored once and linked from the other's layer.tar (docker 20.10's save): both load (it was 'which the archive does not hold')", () => {
    const base = good();
    const top = layerTar([{ name: "g", type: "file", data: "second" }]);
    const config = (layers: Uint8Array[]) => JSON.stringify({ architecture: process.arch === "x64" ? "amd64" : process.arch, os: "linux", rootfs: { type: "layers", diff_ids: layers.map(digestOf) }, config: {} });
    const archive = dockerArchive({
      layers: [base, top],
      extra: [
        { name: "c1.json", type: "file", data: config([base]) },
        { name: "c2.json", type: "file", data: config([base, top]) },
        // the first image's layer under a name of its own, linked to 0/layer.tar; a hardlink as well
        { name: "shared/", type: "dir" },
        { name: "shared/layer.tar", type: "symlink", linkname: "../0/layer.tar" },
        { name: "hard.tar", type: "hardlink", linkname: "1/layer.tar" },
      ],
      manifest: [
        { Config: "c1.json", RepoTags: ["hostile/shared:1"], Layers: ["shared/layer.tar"] },
        { Config: "c2.json", RepoTags: ["hostile/shared:2"], Layers: ["0/layer.tar", "hard.tar"] },
      ],
    });
    const r = expectAccepted(s, ["load", "-i", "@"], archive);
    expect(r.stdout).toBe("Loaded image: hostile/shared:1\nLoaded image: hostile/shared:2\n");
    expect(s.d.skiff(["image", "inspect", "--format", "{{len .RootFS.Layers}}", "hostile/shared:2"]).stdout).toBe("2\n");
  });

  test("a link out of the archive, named as a layer, names nothing", async () => {
    const archive = dockerArchive({ layers: [good()], extra: [{ name: "c.json", type: "file", data: "{}" }, { name: "out.tar", type: "symlink", linkname: `${up}etc/passwd` }, { name: "abs.tar", type: "symlink", linkname: "/etc/passwd" }], manifest: [{ Config: "c.json", RepoTags: ["x:1"], Layers: ["out.tar"] }] });
    await refused(archive, { layer: "engine", code: "ENGINE_LOAD_INVALID", message: /names "out\.tar", which the archive does not hold/ });
  }, 30_000);
});

describe("archives whose manifest.json, index.json or config are hostile", () => {
  test.each(archiveCases().map((c) => [c[0], c] as const))("%s", async (_name, [, archive, layer, code, message]) => {
    await refused(archive(), { layer, code, message });
    expect(lstatSync(canary).isDirectory()).toBe(true);
  }, 30_000);
});
