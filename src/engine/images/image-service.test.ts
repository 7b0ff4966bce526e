// ImageStore against Debian's docker-registry: pull, list, inspect, tag, rmi, prune, push, and bad input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { RegistryClient, pushImage } from "../registry/index.ts";
import { bodyOf, Dropped, startProxy, type FaultProxy } from "../registry/testing/fault-proxy.ts";
import { haveRegistry, type RegistryServer } from "../registry/testing/registry-server.ts";
import { ImageStore } from "./image-service.ts";
import type { ProgressEvent } from "./service.ts";
import { busyboxLayers, pushBusybox, startBusyboxRegistry, type BuiltImage } from "./testing/busybox.ts";
import { failure } from "../../common/failure.ts";
import { indexOf, storeImage, tinyImage } from "../registry/testing/test-image.ts";
import { ContentStore } from "../content/index.ts";
import { gzipSync } from "node:zlib";
import { Readable } from "node:stream";
import { digestBytes } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";

const tmp = `/tmp/skiff-test-${process.pid}/image-service`;
let registry: RegistryServer;
let bb: BuiltImage;
let n = 0;
const fresh = () => new ImageStore({ dataRoot: `${tmp}/store-${n++}`, retry: { baseDelayMs: 5, tries: 2 } });

describe.skipIf(!haveRegistry)("ImageStore against docker-registry", () => {
  beforeAll(async () => {
    ({ registry, bb } = await startBusyboxRegistry(tmp));
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("pulls a multi-layer image with docker's progress lines and unpacks whiteouts and hardlinks", async () => {
    const s = fresh();
    const events: ProgressEvent[] = [];
    const name = `${registry.domain}/test/busybox:1`;
    const img = await s.pull(name, { onProgress: (e) => events.push(e) });
    expect(img.Id).toBe(bb.configDigest);
    expect(img.RepoTags).toEqual([name]);
    expect(img.RepoDigests).toEqual([`${registry.domain}/test/busybox@${bb.manifestDigest}`]);
    expect(img.RootFS.Layers).toEqual(bb.diffIds);
    expect(img.GraphDriver.Name).toBe("overlay2");
    expect(img.GraphDriver.Data.LowerDir!.split(":")).toHaveLength(2);
    expect(img.Size).toBeGreaterThan(statSync("/bin/busybox").size);
    const statuses = new Set(events.map((e) => e.status));
    for (const st of ["Pulling fs layer", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete", `Digest: ${bb.manifestDigest}`, `Status: Downloaded newer image for ${name}`]) expect(statuses).toContain(st);
    const read = s.fileReader(name);
    expect(read("/tmp/junk")).toBeUndefined();
    expect(read("/etc/motd")?.toString()).toBe("hello\n");
    const top = img.GraphDriver.Data.UpperDir!;
    expect(statSync(join(top, "data/a")).ino).toBe(statSync(join(top, "data/b")).ino);
    // every blob is kept for push and save
    for (const d of [...bb.layerDigests, bb.configDigest, bb.manifestDigest]) expect(s.content.has(d)).toBe(true);

    const again: ProgressEvent[] = [];
    await s.pull(name, { onProgress: (e) => again.push(e) });
    expect(again.filter((e) => e.status === "Already exists")).toHaveLength(3);
    expect(again.at(-1)!.status).toBe(`Status: Image is up to date for ${name}`);
  });

  test("two concurrent pulls of one image share the downloads", async () => {
    const proxy = await startProxy(registry.url);
    try {
      const s = fresh();
      const name = `${proxy.domain}/test/busybox:1`;
      const [a, b] = await Promise.all([s.pull(name), s.pull(name)]);
      expect(a.Id).toBe(b.Id);
      const blobGets = proxy.requests.filter((r) => r.method === "GET" && r.path.includes("/blobs/"));
      expect(blobGets).toHaveLength(4); // config + 3 layers, once each
      expect(s.list()).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });

  test("finds images by name, name:tag, short and full id, name@digest, with Docker Hub normalisation", async () => {
    const s = fresh();
    const name = `${registry.domain}/test/busybox:1`;
    await s.pull(name);
    s.tag(name, "busybox");
    s.tag(name, "docker.io/library/busybox", "v2");
    const id = bb.configDigest;
    for (const q of [name, id, id.slice(7), id.slice(7, 19), "busybox", "busybox:latest", "docker.io/library/busybox:latest", "library/busybox:v2", `${registry.domain}/test/busybox@${bb.manifestDigest}`]) expect(s.inspect(q).Id).toBe(id);
    expect(s.inspect("busybox").RepoTags.sort()).toEqual(["busybox:latest", "busybox:v2", name].sort());
    const e = await failure(() => s.inspect("nothere:1"));
    expect(e.code).toBe("ENGINE_IMAGE_NOT_FOUND");
    const [summary] = s.list();
    expect(summary!.Id).toBe(id);
    expect(summary!.Created).toBe(Date.parse("2024-01-02T03:04:05Z") / 1000);
    expect(s.list({ filters: { reference: ["busybox"] } })).toHaveLength(1);
    expect(s.list({ filters: { dangling: ["true"] } })).toHaveLength(0);
  });

  test("rmi untags, refuses an id used by several repositories unless forced, then deletes snapshots and blobs", async () => {
    const s = fresh();
    const name = `${registry.domain}/test/busybox:1`;
    await s.pull(name);
    s.tag(name, "busybox");
    expect(s.remove("busybox")).toEqual([{ Untagged: "busybox:latest" }]);
    s.tag(name, "other");
    const conflict = await failure(() => s.remove(bb.configDigest));
    expect(conflict.code).toBe("ENGINE_IMAGE_CONFLICT");
    expect(conflict.kind).toBe("conflict");
    const out = s.remove(bb.configDigest, { force: true });
    expect(out).toContainEqual({ Untagged: "other:latest" });
    expect(out).toContainEqual({ Untagged: name });
    expect(out).toContainEqual({ Untagged: `${registry.domain}/test/busybox@${bb.manifestDigest}` });
    expect(out).toContainEqual({ Deleted: bb.configDigest });
    expect(out.filter((o) => o.Deleted)).toHaveLength(4); // the image and its 3 snapshots
    expect(s.list()).toEqual([]);
    expect(s.content.list()).toEqual([]);
    expect(s.snapshots.dirs()).toEqual([]);
  });

  test("rmi by the last tag deletes the image with its repo digest", async () => {
    const s = fresh();
    const name = `${registry.domain}/test/busybox:1`;
    await s.pull(name);
    const out = s.remove(name);
    expect(out.slice(0, 3)).toEqual([{ Untagged: name }, { Untagged: `${registry.domain}/test/busybox@${bb.manifestDigest}` }, { Deleted: bb.configDigest }]);
    expect(s.list()).toEqual([]);
  });

  test("prune removes dangling images; all=true removes every unused one", async () => {
    const s = fresh();
    const name = `${registry.domain}/test/busybox:1`;
    await s.pull(name);
    expect(s.prune().ImagesDeleted).toEqual([]);
    const size = s.inspect(name).Size;
    const r = s.prune({ all: true });
    expect(r.ImagesDeleted).toContainEqual({ Deleted: bb.configDigest });
    expect(r.SpaceReclaimed).toBe(size); // dockerd's: the layers' sizes, not the compressed blobs too (it said 3.05 MB of a 1.98 MB image)
    expect(s.list()).toEqual([]);
    expect(readdirSync(s.content.root + "/blobs/sha256")).toEqual([]);
  });

  test("pushes a pulled image to another repository, which pulls back identical", async () => {
    const s = fresh();
    await s.pull(`${registry.domain}/test/busybox:1`);
    s.tag(`${registry.domain}/test/busybox:1`, `${registry.domain}/other/copy`, "x");
    const events: ProgressEvent[] = [];
    const r = await s.push(`${registry.domain}/other/copy:x`, { onProgress: (e) => events.push(e) });
    expect(r.digest).toBe(bb.manifestDigest);
    expect(events.some((e) => e.status === "Pushed" || e.status === "Layer already exists" || e.status.startsWith("Mounted"))).toBe(true);
    const t = fresh();
    expect((await t.pull(`${registry.domain}/other/copy:x`)).Id).toBe(bb.configDigest);
  });

  test("a blob tampered with in transit leaves no image, and a later pull works", async () => {
    const proxy = await startProxy(registry.url);
    try {
      const s = fresh();
      const target = bb.layerDigests[0]!;
      proxy.hook = async (req, url, forward) => {
        if (req.method !== "GET" || !url.pathname.endsWith(target)) return undefined;
        const res = await forward();
        const body = new Uint8Array(await res.arrayBuffer());
        body[body.length >> 1]! ^= 0xff;
        return new Response(body, { status: 200, headers: res.headers });
      };
      const e = await failure(s.pull(`${proxy.domain}/test/busybox:1`));
      expect(e.code).toBe("IMAGE_DIGEST_MISMATCH");
      expect(s.list()).toEqual([]);
      expect(s.content.has(target)).toBe(false);
      expect(readdirSync(s.snapshots.root).filter((d) => d.startsWith("tmp-"))).toEqual([]);
      proxy.hook = undefined;
      expect((await s.pull(`${proxy.domain}/test/busybox:1`)).Id).toBe(bb.configDigest);
    } finally {
      await proxy.stop();
    }
  });

  test("a download cut short says it is retrying, resumes, and the pull completes", async () => {
    const proxy = await startProxy(registry.url);
    try {
      const target = bb.layerDigests[0]!;
      let dropped = false;
      proxy.hook = async (req, url, forward) => {
        if (req.method !== "GET" || !url.pathname.endsWith(target) || dropped) return undefined;
        dropped = true;
        const res = await forward();
        return new Dropped(await bodyOf(res), 1000, res.headers);
      };
      const events: ProgressEvent[] = [];
      const s = fresh();
      expect((await s.pull(`${proxy.domain}/test/busybox:1`, { onProgress: (e) => events.push(e) })).Id).toBe(bb.configDigest);
      expect(events.filter((e) => e.id === target.slice(7, 19)).map((e) => e.status)).toContain("Retrying in 1 second");
    } finally {
      await proxy.stop();
    }
  });

  test("a pull whose signal aborts stops following at once; the downloads stop and nothing is tagged when no one else follows", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const target = bb.layerDigests[2]!;
    const proxy = await startProxy(registry.url, async (req, url, forward) => {
      if (req.method === "GET" && url.pathname.endsWith(target)) await gate;
      return undefined;
    });
    try {
      const s = fresh();
      const name = `${proxy.domain}/test/busybox:1`;
      const abort = new AbortController();
      const events: ProgressEvent[] = [];
      const pulling = s.pull(name, { signal: abort.signal, onProgress: (e) => events.push(e) });
      while (!events.some((e) => e.status === "Pulling fs layer")) await Bun.sleep(5);
      abort.abort(new Error("client gone"));
      expect((await failure(pulling)).message).toBe("client gone");
      release();
      await Bun.sleep(300); // the held layer comes now: nobody takes it
      expect(s.list()).toEqual([]);
      expect(s.content.has(target)).toBe(false);
      // and a new pull is a new job that works
      expect((await s.pull(name)).Id).toBe(bb.configDigest);
    } finally {
      release();
      await proxy.stop();
    }
  });

  test("a pull that joins a running one gets its lines so far, then the rest; the first one's abort does not stop it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = bb.layerDigests[2]!;
    const proxy = await startProxy(registry.url, async (req, url) => {
      if (req.method === "GET" && url.pathname.endsWith(held)) await gate;
      return undefined;
    });
    try {
      const s = fresh();
      const name = `${proxy.domain}/test/busybox:1`;
      const abort = new AbortController();
      const first: ProgressEvent[] = [];
      const one = s.pull(name, { signal: abort.signal, onProgress: (e) => first.push(e) });
      const small = bb.layerDigests.slice(0, 2).map((d) => d.slice(7, 19));
      while (!small.every((id) => first.some((e) => e.id === id && e.status === "Pull complete"))) await Bun.sleep(5);
      const second: ProgressEvent[] = [];
      const two = s.pull(name, { onProgress: (e) => second.push(e) });
      // at once, before anything more happened: the header, each layer's first line and its latest
      expect(second[0]).toEqual({ status: "Pulling from test/busybox", id: "1" });
      const ids = bb.layerDigests.map((d) => d.slice(7, 19));
      expect(second.filter((e) => e.status === "Pulling fs layer").map((e) => e.id)).toEqual(ids);
      for (const id of small) expect(second).toContainEqual({ id, status: "Pull complete" });
      abort.abort(new Error("first client gone"));
      expect((await failure(one)).message).toBe("first client gone");
      release();
      expect((await two).Id).toBe(bb.configDigest);
      expect(second).toContainEqual({ id: ids[2], status: "Pull complete" });
      expect(second.at(-2)).toEqual({ status: `Digest: ${bb.manifestDigest}` });
      expect(second.at(-1)).toEqual({ status: `Status: Downloaded newer image for ${name}` });
    } finally {
      release();
      await proxy.stop();
    }
  });

  test("--platform: a single-platform image of another platform and an index without it are docker's errors", async () => {
    const client = new RegistryClient({ domain: registry.domain });
    const src = new ContentStore(`${tmp}/src-multi`);
    const amd = tinyImage({ architecture: "amd64", label: "amd" });
    const arm = tinyImage({ architecture: "arm64", label: "arm" });
    const index = indexOf([amd, arm], [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }]);
    await storeImage(src, amd);
    await storeImage(src, arm, [index]);
    await pushImage(client, src, "test/multi", index.descriptor, { tag: "1" });
    const s = fresh();
    const single = `${registry.domain}/test/busybox:1`;
    await s.pull(single);
    const e = await failure(s.pull(single, { platform: "linux/arm64" }));
    expect(e.message).toBe(`image with reference ${single} was found but does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64`);
    expect(e.kind).toBe("not_found");
    const multi = `${registry.domain}/test/multi:1`;
    expect((await s.pull(multi, { platform: "linux/arm64" })).Architecture).toBe("arm64");
    expect(s.inspect(multi, { platform: "linux/arm64" }).Architecture).toBe("arm64");
    expect((await failure(() => s.inspect(multi, { platform: "amd64" }))).message).toContain("does not match the specified platform: wanted linux/amd64, actual: linux/arm64/v8");
    expect((await failure(s.pull(multi, { platform: "linux/s390x" }))).message).toBe("no matching manifest for linux/s390x in the manifest list entries");
  });

  test("list filters and the tags of a repository", async () => {
    const s = fresh();
    const name = `${registry.domain}/test/busybox:1`;
    await s.pull(name);
    s.tag(name, "me/app", "1");
    s.tag(name, "me/app", "2");
    expect(s.repositoryTags("me/app")).toEqual(["me/app:1", "me/app:2"]);
    expect(s.repositoryTags("docker.io/me/app")).toEqual(["me/app:1", "me/app:2"]);
    expect(s.repositoryTags("me/none")).toEqual([]);
    expect(s.list({ filters: { reference: ["me/*:2"] } }).map((i) => i.RepoTags)).toEqual([["me/app:2"]]);
    expect(s.list({ filters: { since: ["me/app:1"] } })).toEqual([]);
    expect((await failure(() => s.list({ filters: { nope: ["x"] } }))).message).toBe("invalid filter 'nope'");
  });

  const canMount = process.getuid?.() === 0;
  test.skipIf(!canMount)("a full disk gives ENOSPC, leaves the store consistent, and a small image still pulls", async () => {
    const mnt = `${tmp}/tmpfs`;
    mkdirSync(mnt, { recursive: true });
    const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], { encoding: "utf8" });
    expect(m.status).toBe(0);
    try {
      const s = new ImageStore({ dataRoot: `${mnt}/root`, retry: { baseDelayMs: 5, tries: 2 } });
      const e = await failure(s.pull(`${registry.domain}/test/busybox:1`));
      expect(e.details.errno).toBe("ENOSPC");
      expect(e.message).toContain("no space left on device");
      expect(s.list()).toEqual([]);
      expect(readdirSync(s.snapshots.root).filter((d) => d.startsWith("tmp-"))).toEqual([]);
      s.gc();
      const small = await pushBusybox(new RegistryClient({ domain: registry.domain }), `${tmp}/src-small`, "test/small", "1", [busyboxLayers()[2]!]);
      expect((await s.pull(`${registry.domain}/test/small:1`)).Id).toBe(small.configDigest);
      await s.close();
    } finally {
      spawnSync("umount", [mnt]);
    }
    expect(existsSync(`${mnt}/root`)).toBe(false);
  });

  test("a layer the registry has under another compression is 'Layer already exists', pushed as the blob a pull of it brought (docker's v2 metadata; it said Pushed)", async () => {
    const tarBytes = busyboxLayers()[0]!;
    // the registry's copy, compressed unlike skiffd's own gzip (as another engine's push would)
    const src = new ContentStore(`${tmp}/lvl1-src`);
    const gz = gzipSync(tarBytes, { level: 1 });
    const cfg = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [digestBytes(tarBytes)] }, config: {} }));
    const desc = (mediaType: string, b: Uint8Array) => ({ mediaType, digest: digestBytes(b), size: b.byteLength });
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: desc(MEDIA.dockerConfig, cfg), layers: [desc(MEDIA.dockerLayerGzip, gz)] }));
    for (const b of [gz, cfg, manifest]) await src.add(b);
    await pushImage(new RegistryClient({ domain: registry.domain }), src, "test/lvl1", desc(MEDIA.dockerManifest, manifest), { tag: "1" });
    const s = fresh();
    await s.pull(`${registry.domain}/test/lvl1:1`);
    // the same layer imported: its own gzip blob differs, its diffID is the same
    await s.importRootfs(Readable.from([tarBytes]), { repo: `${registry.domain}/test/imported`, tag: "1" });
    const said: ProgressEvent[] = [];
    await s.push(`${registry.domain}/test/imported:1`, { onProgress: (e) => said.push(e) });
    const layerLines = said.filter((e) => e.id && !e.status.startsWith("Pushing")).map((e) => e.status);
    expect(layerLines).toEqual(["Mounted from test/lvl1"]);
    const pushedManifest = JSON.parse(Buffer.from(await (await fetch(`http://${registry.domain}/v2/test/imported/manifests/1`, { headers: { Accept: MEDIA.dockerManifest } })).arrayBuffer()).toString()) as { layers: { digest: string }[] };
    expect(pushedManifest.layers.map((l) => l.digest)).toEqual([digestBytes(gz)]);
    // pushed again under another name in the same repository: already there
    s.tag(`${registry.domain}/test/imported:1`, `${registry.domain}/test/imported`, "2");
    const again: ProgressEvent[] = [];
    await s.push(`${registry.domain}/test/imported:2`, { onProgress: (e) => again.push(e) });
    expect(again.filter((e) => e.id && !e.status.startsWith("Pushing")).map((e) => e.status)).toEqual(["Layer already exists"]);
  });
});

test("a registry that is not there: the pull fails with nothing said before (it said 'Pulling from x' first; docker gives the error alone)", async () => {
  const s = fresh();
  const events: ProgressEvent[] = [];
  const err = await s.pull("127.0.0.1:1/x:1", { onProgress: (e) => events.push(e) }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(events.filter((e) => e.status.startsWith("Pulling from"))).toEqual([]);
});
