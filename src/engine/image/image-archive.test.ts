// save/load (docker-archive, OCI layout), import of a rootfs tar, against docker-registry and skopeo.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, rmSync } from "node:fs";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { haveRegistry, type RegistryServer } from "../registry/testing/registry-server.ts";
import { ImageStore } from "./image-service.ts";
import { buildTar } from "./tar-writer.ts";
import { busyboxLayers, startBusyboxRegistry, type BuiltImage } from "./testing-busybox.ts";

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
  });
});
