// ImageStore.push mounts blobs across repositories of the same registry, as docker's push: from the
// repositories local images holding the blob were pulled from or pushed to, through a counting
// proxy in front of Debian's docker-registry (anonymous, and behind htpasswd basic auth): the
// progress says "Mounted from <repo>", no layer bytes go up, and the image pulls back intact.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { Readable } from "node:stream";
import { digestBytes } from "../../oci/image/digest.ts";
import { RegistryClient } from "../registry/index.ts";
import { startProxy, type FaultProxy } from "../registry/testing/fault-proxy.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "../registry/testing/registry-server.ts";
import { ImageStore } from "./image-service.ts";
import type { ProgressEvent, RegistryAuth } from "./service.ts";
import { buildTar } from "../archive/index.ts";
import { busyboxLayers, pushBusybox, type BuiltImage } from "./testing/busybox.ts";

const tmp = `/tmp/skiff-test-${process.pid}/image-push-mount`;
let n = 0;
const fresh = () => new ImageStore({ dataRoot: `${tmp}/store-${n++}`, unpackWorkers: 0, retry: { baseDelayMs: 2, tries: 2 } });

/** The requests of an upload session that carried bytes (PATCH, or a PUT with a body), and the plain sessions opened. */
function uploads(proxy: FaultProxy, from = 0) {
  const seen = proxy.requests.slice(from).filter((r) => r.path.includes("/blobs/uploads/"));
  return {
    mounts: seen.filter((r) => r.method === "POST" && r.path.includes("mount=")).map((r) => new URLSearchParams(r.path.split("?")[1]).get("from")),
    sessions: seen.filter((r) => r.method === "POST" && !r.path.includes("mount=")).length,
    writes: seen.filter((r) => r.method === "PATCH" || r.method === "PUT").length,
  };
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const line = (e: ProgressEvent) => `${e.id ? `${e.id}: ` : ""}${e.status}`;

for (const auth of [undefined, { username: "skiff", password: "mount-Pw1" }]) {
  describe.skipIf(!haveRegistry)(`push mounts across repositories (${auth ? "htpasswd basic auth" : "anonymous"})`, () => {
    let registry: RegistryServer;
    let proxy: FaultProxy;
    let bb: BuiltImage;
    const creds: RegistryAuth | undefined = auth && { username: auth.username, password: auth.password };
    const dir = `${tmp}/${auth ? "basic" : "anon"}`;

    beforeAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      registry = await startRegistry({ dir: `${dir}/registry`, ...(auth ? { basicAuth: auth } : {}) });
      bb = await pushBusybox(new RegistryClient({ domain: registry.domain, ...(auth ? { credentials: auth } : {}) }), `${dir}/src`, "library/busybox", "latest");
      proxy = await startProxy(registry.url);
    });
    afterAll(async () => {
      await proxy?.stop();
      await registry?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("a pulled image pushed to another repository mounts every blob from where it came from; nothing is uploaded; it pulls back intact", async () => {
      const s = fresh();
      try {
        await s.pull(`${proxy.domain}/library/busybox`, { auth: creds });
        s.tag(`${proxy.domain}/library/busybox`, `${proxy.domain}/third/bb`, "x");
        const from = proxy.requests.length;
        const events: ProgressEvent[] = [];
        const r = await s.push(`${proxy.domain}/third/bb:x`, { auth: creds, onProgress: (e) => events.push(e) });
        expect(r.digest).toBe(bb.manifestDigest);
        const lines = events.map(line);
        for (const d of bb.layerDigests) expect(lines).toContain(`${d.slice(7, 19)}: Mounted from library/busybox`);
        expect(lines.filter((l) => /Pushed|Pushing/.test(l))).toEqual([]);
        // config and layers mounted, no session opened, no bytes sent
        expect(uploads(proxy, from)).toEqual({ mounts: ["library/busybox", "library/busybox", "library/busybox", "library/busybox"], sessions: 0, writes: 0 });

        // the push is remembered: a push to a third repository may mount from either
        s.tag(`${proxy.domain}/third/bb:x`, `${proxy.domain}/third/copy`, "y");
        const again: ProgressEvent[] = [];
        const mark = proxy.requests.length;
        await s.push(`${proxy.domain}/third/copy:y`, { auth: creds, onProgress: (e) => again.push(e) });
        // third/bb shares "third" with the target: tried first
        for (const d of bb.layerDigests) expect(again.map(line)).toContain(`${d.slice(7, 19)}: Mounted from third/bb`);
        expect(uploads(proxy, mark).writes).toBe(0);

        const t = fresh();
        try {
          const img = await t.pull(`${proxy.domain}/third/bb:x`, { auth: creds });
          expect(img.Id).toBe(bb.configDigest);
          expect(t.fileReader(`${proxy.domain}/third/bb:x`)("/etc/motd")?.toString()).toBe("hello\n");
          expect((await t.pull(`${proxy.domain}/third/copy:y`, { auth: creds })).Id).toBe(bb.configDigest);
        } finally {
          await t.close();
        }
      } finally {
        await s.close();
      }
    });

    test("a loaded image (uncompressed layers) pushed to a second repository mounts the gzip blobs from the first", async () => {
      const tars = busyboxLayers({ "data/loaded": `${auth ? "basic" : "anon"}\n` });
      const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["sh"] }, rootfs: { type: "layers", diff_ids: tars.map((t) => digestBytes(t)) } }));
      const archive = buildTar([
        { name: "c.json", type: "file", data: config },
        ...tars.map((t, i) => ({ name: `l${i}/layer.tar`, type: "file" as const, data: t })),
        { name: "manifest.json", type: "file", data: JSON.stringify([{ Config: "c.json", RepoTags: [`${proxy.domain}/loaded/a:1`], Layers: tars.map((_, i) => `l${i}/layer.tar`) }]) },
      ]);
      const s = fresh();
      try {
        await s.load(Readable.from([archive]));
        const first: ProgressEvent[] = [];
        const a = await s.push(`${proxy.domain}/loaded/a:1`, { auth: creds, onProgress: (e) => first.push(e) });
        for (const t of tars) expect(first.map(line)).toContain(`${digestBytes(t).slice(7, 19)}: Pushed`);
        s.gc(); // the gzip blobs made for the push are gone: the second push makes them again
        s.tag(`${proxy.domain}/loaded/a:1`, `${proxy.domain}/other/b`, "2");
        const mark = proxy.requests.length;
        const second: ProgressEvent[] = [];
        const b = await s.push(`${proxy.domain}/other/b:2`, { auth: creds, onProgress: (e) => second.push(e) });
        expect(b.digest).toBe(a.digest);
        for (const t of tars) expect(second.map(line)).toContain(`${digestBytes(t).slice(7, 19)}: Mounted from loaded/a`);
        expect(uploads(proxy, mark)).toMatchObject({ sessions: 0, writes: 0 });
        const t = fresh();
        try {
          expect((await t.pull(`${proxy.domain}/other/b:2`, { auth: creds })).Id).toBe(digestBytes(config));
        } finally {
          await t.close();
        }
      } finally {
        await s.close();
      }
    });

    test("a source the registry does not have (a local tag only) is tried after the pulled one, and a refused mount falls back to an upload", async () => {
      const s = fresh();
      try {
        await s.pull(`${proxy.domain}/library/busybox`, { auth: creds });
        // tagged here, never pushed: the registry has no such repository
        s.tag(`${proxy.domain}/library/busybox`, `${proxy.domain}/never/pushed`, "1");
        s.tag(`${proxy.domain}/library/busybox`, `${proxy.domain}/fourth/bb`, "1");
        let mark = proxy.requests.length;
        await s.push(`${proxy.domain}/fourth/bb:1`, { auth: creds });
        // the repository the image was pulled from first (its digest reference is the evidence)
        expect(uploads(proxy, mark).mounts.every((m) => m === "library/busybox")).toBe(true);

        // the only candidate is wrong: the registry opens a session instead, which takes the upload
        s.tag(`${proxy.domain}/never/pushed:1`, `${proxy.domain}/fifth/bb`, "1");
        // their digest references go with their last tags
        s.remove(`${proxy.domain}/library/busybox`);
        s.remove(`${proxy.domain}/fourth/bb:1`);
        expect(s.inspect(`${proxy.domain}/fifth/bb:1`).RepoDigests).toEqual([]);
        mark = proxy.requests.length;
        const events: ProgressEvent[] = [];
        await s.push(`${proxy.domain}/fifth/bb:1`, { auth: creds, onProgress: (e) => events.push(e) });
        const u = uploads(proxy, mark);
        expect(u.mounts.length).toBeGreaterThan(0);
        expect(u.mounts.every((m) => m === "never/pushed")).toBe(true);
        expect(u.sessions).toBe(0); // the sessions the refused mounts opened were used
        expect(u.writes).toBe(4);
        for (const d of bb.layerDigests) expect(events.map(line)).toContain(`${d.slice(7, 19)}: Pushed`);
        const t = fresh();
        try {
          expect((await t.pull(`${proxy.domain}/fifth/bb:1`, { auth: creds })).Id).toBe(bb.configDigest);
        } finally {
          await t.close();
        }
      } finally {
        await s.close();
      }
    });
  });
}
