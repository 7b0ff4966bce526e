// save/load (docker-archive, OCI layout), import of a rootfs tar, against docker-registry and skopeo.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { digestBytes } from "../../oci/image/digest.ts";
import { haveRegistry, type RegistryServer } from "../registry/testing/registry-server.ts";
import { ImageStore } from "./image-service.ts";
import { buildTar } from "../archive/index.ts";
import { busyboxLayers, startBusyboxRegistry, type BuiltImage } from "./testing/busybox.ts";

const tmp = `/tmp/skiff-test-${process.pid}/image-archive`;
let registry: RegistryServer;
let bb: BuiltImage;
let n = 0;
const fresh = () => new ImageStore({ dataRoot: `${tmp}/store-${n++}`, retry: { baseDelayMs: 5, tries: 2 } });
const haveSkopeo = existsSync("/usr/bin/skopeo");

describe.skipIf(!haveRegistry)("save, load and import", () => {
  beforeAll(async () => {
    ({ registry, bb } = await startBusyboxRegistry(tmp));
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const save = async (s: ImageStore, names: string[], file: string) => {
    const out = createWriteStream(file);
    const closed = new Promise((r) => out.once("close", r));
    await s.save(names, out);
    await closed;
  };

  test("save writes a docker-archive that skopeo reads, and load brings the image back", async () => {
    const s = fresh();
    const name = `${registry.domain}/test/busybox:1`;
    await s.pull(name);
    const file = `${tmp}/bb.tar`;
    await save(s, [name], file);
    if (haveSkopeo) {
      const r = spawnSync("skopeo", ["inspect", "--raw", `docker-archive:${file}`], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout).layers).toHaveLength(3);
      const c = spawnSync("skopeo", ["inspect", "--config", `docker-archive:${file}`], { encoding: "utf8" });
      expect(JSON.parse(c.stdout).rootfs.diff_ids).toEqual(bb.diffIds);
    }
    const t = fresh();
    const r = await t.load(createReadStream(file));
    expect(r.loaded).toEqual([name]);
    const img = t.inspect(name);
    expect(img.Id).toBe(bb.configDigest);
    expect(img.RootFS.Layers).toEqual(bb.diffIds);
    expect(t.fileReader(name)("/tmp/junk")).toBeUndefined();
    expect(t.fileReader(name)("/etc/motd")?.toString()).toBe("hello\n");
    // a loaded image pushes (its layers are stored uncompressed) and pulls back
    t.tag(name, `${registry.domain}/loaded/bb`, "2");
    await t.push(`${registry.domain}/loaded/bb:2`);
    expect((await fresh().pull(`${registry.domain}/loaded/bb:2`)).Id).toBe(bb.configDigest);
  });

  test.skipIf(!haveSkopeo)("loads an OCI layout tar written by skopeo", async () => {
    const oci = `${tmp}/bb-oci.tar`;
    const r = spawnSync("skopeo", ["copy", "--src-tls-verify=false", `docker://${registry.domain}/test/busybox:1`, `oci-archive:${oci}:${registry.domain}/test/busybox:1`], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const s = fresh();
    const out = await s.load(createReadStream(oci));
    expect(out.loaded).toHaveLength(1);
    // skopeo rewrites the Docker config as an OCI one (a new config digest); the layers stay
    expect(s.inspect(s.list()[0]!.Id).RootFS.Layers).toEqual(bb.diffIds);
  });

  test("loads an OCI layout tar (index.json, oci-layout, blobs/sha256/…) with its ref name", async () => {
    const s = fresh();
    await s.pull(`${registry.domain}/test/busybox:1`);
    const blobs = [bb.manifestDigest, bb.configDigest, ...bb.layerDigests].map((d) => ({ name: `blobs/sha256/${d.slice(7)}`, type: "file" as const, data: s.content.readBytes(d) }));
    const index = { schemaVersion: 2, manifests: [{ mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest: bb.manifestDigest, size: s.content.info(bb.manifestDigest)!.size, annotations: { "org.opencontainers.image.ref.name": "oci/bb:3" } }] };
    const tar = buildTar([{ name: "oci-layout", type: "file", data: '{"imageLayoutVersion":"1.0.0"}' }, { name: "index.json", type: "file", data: JSON.stringify(index) }, ...blobs]);
    const t = fresh();
    expect((await t.load(Readable.from([tar]))).loaded).toEqual(["oci/bb:3"]);
    expect(t.inspect("oci/bb:3").Id).toBe(bb.configDigest);
  });

  test("imports a gzip rootfs tar with --change instructions into a one-layer image", async () => {
    const s = fresh();
    const tar = gzipSync(busyboxLayers()[0]!);
    const img = await s.importRootfs(Readable.from([tar]), { repo: "imported/bb", tag: "v1", message: "from a test", changes: ['CMD ["sh"]', "ENV A=1 B=2", "WORKDIR /tmp", "USER www", "EXPOSE 80", "LABEL k=v", "ENTRYPOINT /bin/sh"] });
    expect(img.RepoTags).toEqual(["imported/bb:v1"]);
    expect(img.RootFS.Layers).toEqual([bb.diffIds[0]!]);
    expect(img.Comment).toBe("from a test");
    expect(img.Config).toMatchObject({ Cmd: ["sh"], Env: ["A=1", "B=2"], WorkingDir: "/tmp", User: "www", ExposedPorts: { "80/tcp": {} }, Labels: { k: "v" }, Entrypoint: ["/bin/sh", "-c", "/bin/sh"] });
    expect(s.fileReader("imported/bb:v1")("/tmp/junk")?.toString()).toBe("to be deleted\n");
    const bad = await s.importRootfs(Readable.from([Buffer.from("not a tar at all".repeat(40))]), {}).catch((e) => e);
    expect(bad.code).toMatch(/IMAGE_|ENGINE_/);
    expect(s.list()).toHaveLength(1);
    // without a message, dockerd's comment (a new-user trial: it was empty)
    const plain = await s.importRootfs(Readable.from([gzipSync(busyboxLayers()[0]!)]), { repo: "imported/plain", tag: "v1" });
    expect(plain.Comment).toBe("Imported from -");
  });
});

describe("a failed save, load or import leaves nothing behind", () => {
  const stores: ImageStore[] = [];
  const store = () => {
    const s = fresh();
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(tmp, { recursive: true, force: true });
  });
  const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
  /** Everything a store holds. */
  const contents = (s: ImageStore) => ({
    images: s.meta.images().map((i) => i.id),
    blobs: s.content.list().map((b) => b.digest).sort(),
    ingest: ls(join(s.content.root, "ingest")),
    snapshots: ls(s.snapshots.root),
    snapshotRows: s.meta.snapshots().length,
  });
  const EMPTY = { images: [], blobs: [], ingest: [], snapshots: [], snapshotRows: 0 };
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e as { code: string; message: string };
    }
    throw new Error("did not fail");
  };
  const layers = busyboxLayers();
  const config = (diffIds: string[]) => Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: diffIds } }));
  /** A docker-archive of `images`, each [tag, layer tars] (diff_ids are the given tars' digests unless `diffIdsOf` says). */
  const dockerArchive = (images: { tag: string; tars: Uint8Array[]; diffIds?: string[] }[]) => {
    const entries: Parameters<typeof buildTar>[0] = [{ name: "VERSION", type: "file", data: "1.0" }];
    const manifest = images.map((img, n) => {
      const cfg = config(img.diffIds ?? img.tars.map((t) => digestBytes(t)));
      entries.push({ name: `${n}.json`, type: "file", data: cfg });
      img.tars.forEach((t, i) => entries.push({ name: `${n}-${i}/layer.tar`, type: "file", data: t }, { name: `${n}-${i}/json`, type: "file", data: "{}" }));
      return { Config: `${n}.json`, RepoTags: [img.tag], Layers: img.tars.map((_, i) => `${n}-${i}/layer.tar`) };
    });
    entries.push({ name: "manifest.json", type: "file", data: JSON.stringify(manifest) });
    return buildTar(entries);
  };

  test("import: a bad --change is refused before the input is read", async () => {
    const s = store();
    let read = false;
    async function* input() {
      read = true;
      yield layers[0]!;
    }
    const e = await failure(s.importRootfs(Readable.from(input()), { repo: "x", tag: "2", changes: ["CMD sh", "BOGUS x"] }));
    expect(e.code).toBe("ENGINE_IMPORT_CHANGE_INVALID");
    expect(read).toBe(false);
    expect(contents(s)).toEqual(EMPTY);
  });

  test("import: an empty, a corrupt gzip and a non-tar input store nothing", async () => {
    const s = store();
    expect((await failure(s.importRootfs(Readable.from([]), {}))).message).toContain("unexpected EOF");
    expect(contents(s)).toEqual(EMPTY);
    // a gzip header, then garbage: refused (it used to be an unhandled stream error that took the daemon down)
    const gz = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(100_000, 7)]);
    expect((await failure(s.importRootfs(Readable.from([gz]), {}))).code).toBe("ENGINE_IMPORT_INVALID");
    expect((await failure(s.importRootfs(Readable.from([Buffer.from("not a tar at all".repeat(40))]), {}))).code).toMatch(/^IMAGE_/);
    expect(contents(s)).toEqual(EMPTY);
  });

  test("load: a layer that does not match its diffID stores nothing (layers below it were unpacked)", async () => {
    const s = store();
    const tampered = Buffer.from(layers[2]!);
    tampered[tampered.indexOf("linked")] = "L".charCodeAt(0);
    const archive = dockerArchive([{ tag: "t/bb:1", tars: [layers[0]!, layers[1]!, tampered], diffIds: layers.map((t) => digestBytes(t)) }]);
    expect((await failure(s.load(Readable.from([archive])))).code).toBe("IMAGE_DIFFID_MISMATCH");
    expect(contents(s)).toEqual(EMPTY);
  });

  test("load: a two-image archive whose second image is bad records neither", async () => {
    const s = store();
    const archive = dockerArchive([{ tag: "t/good:1", tars: [layers[0]!] }, { tag: "t/bad:1", tars: [layers[1]!], diffIds: [digestBytes("something else")] }]);
    expect((await failure(s.load(Readable.from([archive])))).code).toBe("IMAGE_DIFFID_MISMATCH");
    expect(contents(s)).toEqual(EMPTY);
  });

  test("load: an OCI layout blob whose content does not match its name stores nothing", async () => {
    const s = store();
    const cfg = config([digestBytes(layers[0]!)]);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestBytes(cfg), size: cfg.byteLength }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digestBytes(layers[0]!), size: layers[0]!.byteLength }] });
    const index = JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestBytes(manifest), size: manifest.length }] });
    const blob = (data: Uint8Array | string, name = digestBytes(data)) => ({ name: `blobs/sha256/${name.slice(7)}`, type: "file" as const, data });
    const other = Buffer.from(layers[0]!);
    other[other.length - 2000] = other[other.length - 2000]! ^ 1;
    const tar = buildTar([{ name: "oci-layout", type: "file", data: '{"imageLayoutVersion":"1.0.0"}' }, blob(cfg), blob(manifest), blob(other, digestBytes(layers[0]!)), { name: "index.json", type: "file", data: index }]);
    expect((await failure(s.load(Readable.from([tar])))).code).toBe("IMAGE_DIGEST_MISMATCH");
    expect(contents(s)).toEqual(EMPTY);
  });

  test("load: an empty input is an unexpected EOF; a good archive stores only what its image references", async () => {
    const s = store();
    const e = await failure(s.load(Readable.from([])));
    expect(e.code).toBe("ENGINE_LOAD_INVALID");
    expect(e.message).toContain("unexpected EOF");
    expect(contents(s)).toEqual(EMPTY);
    expect((await s.load(Readable.from([dockerArchive([{ tag: "t/bb:1", tars: layers }])]))).loaded).toEqual(["t/bb:1"]);
    const c = contents(s);
    // config, three layers and the manifest written for it; not VERSION nor the layers' json
    expect(c.blobs).toHaveLength(5);
    expect(c.ingest).toEqual([]);
    expect(s.fileReader("t/bb:1")("/etc/motd")?.toString()).toBe("hello\n");
  });

  test("load: a good two-image archive records both, with all their tags, in one go", async () => {
    const s = store();
    const archive = dockerArchive([{ tag: "t/one:1", tars: [layers[0]!] }, { tag: "t/two:1", tars: [layers[0]!, layers[1]!] }]);
    expect((await s.load(Readable.from([archive]))).loaded).toEqual(["t/one:1", "t/two:1"]);
    s.tag("t/two:1", "t/two", "2");
    const again = await s.load(Readable.from([dockerArchive([{ tag: "t/two:3", tars: [layers[0]!, layers[1]!] }])]));
    expect(again.loaded).toEqual(["t/two:3"]);
    expect(s.inspect("t/two:1").RepoTags.sort()).toEqual(["t/two:1", "t/two:2", "t/two:3"]);
    expect(s.fileReader("t/two:3")("/tmp/junk")).toBeUndefined();
    expect(contents(s).ingest).toEqual([]);
  });

  test("load and import take bzip2 and xz input, as docker does", async () => {
    const s = store();
    const pack = (program: string, b: Uint8Array) => spawnSync(program, ["-c"], { input: b, maxBuffer: 1 << 28 }).stdout;
    const archive = dockerArchive([{ tag: "t/xz:1", tars: [layers[0]!, layers[1]!] }]);
    expect((await s.load(Readable.from([pack("xz", archive)]))).loaded).toEqual(["t/xz:1"]);
    expect((await s.load(Readable.from([pack("bzip2", dockerArchive([{ tag: "t/bz:1", tars: [layers[0]!] }]))]))).loaded).toEqual(["t/bz:1"]);
    const imported = await s.importRootfs(Readable.from([pack("xz", layers[0]!)]), { repo: "t/imp", tag: "xz" });
    expect(imported.RootFS.Layers).toEqual([digestBytes(layers[0]!)]);
    const bz = await s.importRootfs(Readable.from([pack("bzip2", layers[0]!)]), { repo: "t/imp", tag: "bz" });
    expect(bz.Id).toBeTruthy();
    expect(s.fileReader("t/xz:1")("/etc/motd")?.toString()).toBe("hello\n");
    expect(contents(s).ingest).toEqual([]);
  });

  test("load of no archive and import of no tarball say so, without the input's bytes, with a hint", async () => {
    const s = store();
    const random = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256));
    const l = await failure(s.load(Readable.from([random])));
    expect([l.code, l.message]).toEqual(["IMAGE_ARCHIVE_INVALID", "read archive: not a tar archive (bad header at byte 0)"]);
    expect((l as { hint?: string }).hint).toContain("docker save");
    const passwd = Buffer.from("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n".repeat(20));
    const i = await failure(s.importRootfs(Readable.from([passwd]), {}));
    expect([i.code, i.message]).toEqual(["IMAGE_TARBALL_INVALID", "read tarball: not a tar archive (bad header at byte 0)"]);
    expect((i as { hint?: string }).hint).toContain("gzip, zstd, bzip2 and xz");
    const cut = await failure(s.importRootfs(Readable.from([gzipSync(layers[0]!.subarray(0, 3000))]), {}));
    expect(cut.code).toBe("IMAGE_TARBALL_TRUNCATED");
    expect(contents(s)).toEqual(EMPTY);
  });

  test("save: a receiver that goes away ends the save and its scratch directory", async () => {
    const s = store();
    const { Id } = await s.importRootfs(Readable.from([gzipSync(layers[0]!)]), { repo: "t/imported" });
    const out = new PassThrough();
    out.on("error", () => {});
    out.once("data", () => out.destroy(new Error("The connection was closed.")));
    const saving = failure(s.save([Id], out));
    const e = await Promise.race([saving, Bun.sleep(5000).then(() => ({ code: "STILL RUNNING", message: "" }))]);
    expect(e.code).toBe("ENGINE_SAVE_ABORTED");
    expect(ls(s.snapshots.root).filter((n) => n.startsWith("save-"))).toEqual([]);
  });
});
