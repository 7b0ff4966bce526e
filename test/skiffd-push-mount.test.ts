// Cross-repository blob mounts on push, black-box: a real skiffd, bin/skiff and the docker CLIs
// (28 and Debian's 20.10) against Debian's docker-registry, anonymous and behind htpasswd basic
// auth, each behind a counting proxy. An image pulled from the registry and pushed to another of
// its repositories is mounted, as docker does: "Mounted from library/busybox" per layer, no upload
// session opened, no PATCH or PUT of layer bytes; the pushed image pulls back intact.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startProxy, type FaultProxy } from "../src/engine/registry/testing/fault-proxy.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { busyboxRootfsTar, DOCKER_20, DOCKER_28, removeDir, SKIFF, startSkiffd, type RunResult, type Skiffd } from "./harness/skiffd.ts";

const USER = "mounter";
const PASSWORD = "mount-s3cret-Pw";

let d: Skiffd;
let rootfsTar: string;
const registries: RegistryServer[] = [];
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  d = await startSkiffd();
  rootfsTar = busyboxRootfsTar(d.dir);
});

afterAll(async () => {
  for (const p of proxies) await p.stop();
  for (const r of registries) await r.stop();
  await d?.stop();
  if (d) removeDir(d.dir);
});

/**
 * The harness's runners wait with spawnSync, which would stall the proxy (it serves from this
 * process): these run the CLIs as the harness does (its socket, HOME and DOCKER_CONFIG), awaited.
 */
async function run(argv: string[], input?: string, docker = false): Promise<RunResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config") };
  if (docker) env.DOCKER_HOST = `unix://${d.sock}`;
  const p = Bun.spawn(argv, { env, stdin: input === undefined ? "ignore" : new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { status: await p.exited, stdout, stderr };
}
const skiff = (args: string[], input?: string) => run([SKIFF, "-H", `unix://${d.sock}`, ...args], input);
const docker = (bin: string, args: string[]) => run([bin, ...args], undefined, true);

const ok = async (p: Promise<RunResult>) => {
  const r = await p;
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

/** What went to upload endpoints since request `from`: mount POSTs (their `from`), plain sessions, and PATCH/PUT of bytes. */
function uploads(proxy: FaultProxy, from: number) {
  const seen = proxy.requests.slice(from).filter((r) => r.path.includes("/blobs/uploads/"));
  return {
    mounts: seen.filter((r) => r.method === "POST" && r.path.includes("mount=")).map((r) => new URLSearchParams(r.path.split("?")[1]).get("from")),
    sessions: seen.filter((r) => r.method === "POST" && !r.path.includes("mount=")).length,
    writes: seen.filter((r) => r.method === "PATCH" || r.method === "PUT").length,
  };
}

/** Layer lines ("<12 hex>: <status>") of push output. */
const layerLines = (out: string) => out.split("\n").filter((l) => /^[0-9a-f]{12}: /.test(l));

for (const auth of [false, true]) {
  describe.skipIf(!haveRegistry)(`push mounts from another repository (${auth ? "htpasswd basic auth" : "anonymous"})`, () => {
    let proxy: FaultProxy;
    let P: string;
    let id: string;

    beforeAll(async () => {
      const registry = await startRegistry({ dir: join(d.dir, `registry-${auth ? "basic" : "anon"}`), ...(auth ? { basicAuth: { username: USER, password: PASSWORD } } : {}) });
      registries.push(registry);
      proxy = await startProxy(registry.url);
      proxies.push(proxy);
      P = proxy.domain;
      if (auth) expect(await ok(skiff(["login", "-u", USER, "--password-stdin", P], `${PASSWORD}\n`))).toBe("Login Succeeded\n");
      // the registry gets library/busybox; the local store then forgets it and pulls it, as a user would
      id = (await ok(skiff(["import", "-c", 'CMD ["sh"]', rootfsTar, `${P}/library/busybox:latest`]))).trim();
      expect(await ok(skiff(["push", `${P}/library/busybox`]))).toMatch(/: Pushed$/m);
      await ok(skiff(["rmi", `${P}/library/busybox`]));
      expect((await skiff(["image", "inspect", id])).status).toBe(1);
      expect(await ok(skiff(["pull", `${P}/library/busybox`]))).toMatch(/Pull complete/);
    }, 120_000);

    test("skiff push to another repository: every layer mounted from library/busybox, no bytes uploaded; it pulls back intact", async () => {
      await ok(skiff(["tag", `${P}/library/busybox`, `${P}/third/bb:x`]));
      const mark = proxy.requests.length;
      const out = await ok(skiff(["push", `${P}/third/bb:x`]));
      const layers = layerLines(out);
      expect(layers.length).toBeGreaterThan(0);
      for (const l of layers) expect(l).toMatch(/^[0-9a-f]{12}: Mounted from library\/busybox$/);
      expect(out).toMatch(/^x: digest: sha256:[0-9a-f]{64} size: \d+$/m);
      const u = uploads(proxy, mark);
      expect(u.mounts.length).toBe(2); // the config and the layer
      expect(u.mounts.every((m) => m === "library/busybox")).toBe(true);
      expect(u.sessions).toBe(0);
      expect(u.writes).toBe(0);

      // intact: the registry's copy pulls into an empty store, its digests checked, and runs the same image
      await ok(skiff(["rmi", `${P}/library/busybox`, `${P}/third/bb:x`]));
      expect((await skiff(["image", "inspect", id])).status).toBe(1);
      expect(await ok(skiff(["pull", `${P}/third/bb:x`]))).toMatch(/Pull complete/);
      expect((await ok(skiff(["image", "inspect", "--format", "{{.Id}}", `${P}/third/bb:x`]))).trim()).toBe(id);
      await ok(skiff(["pull", `${P}/library/busybox`]));
    }, 120_000);

    test("a second push to the same repository finds the layers there; a push elsewhere mounts from where the image was pushed", async () => {
      let mark = proxy.requests.length;
      const same = await ok(skiff(["push", `${P}/third/bb:x`]));
      for (const l of layerLines(same)) expect(l).toMatch(/: Layer already exists$/);
      expect(uploads(proxy, mark)).toEqual({ mounts: [], sessions: 0, writes: 0 });

      await ok(skiff(["tag", `${P}/third/bb:x`, `${P}/third/copy:y`]));
      mark = proxy.requests.length;
      const out = await ok(skiff(["push", `${P}/third/copy:y`]));
      // third/bb shares the namespace with the target: tried first
      for (const l of layerLines(out)) expect(l).toMatch(/: Mounted from third\/bb$/);
      expect(uploads(proxy, mark)).toMatchObject({ sessions: 0, writes: 0 });
    }, 120_000);

    for (const [name, bin] of [["docker CLI 28", DOCKER_28], ["docker CLI 20.10", DOCKER_20]] as const) {
      test.skipIf(!existsSync(bin))(`${name}: docker push shows "Mounted from", uploads nothing, and docker pull gets it back`, async () => {
        const repo = `${P}/cli${bin === DOCKER_28 ? "28" : "20"}/bb`;
        await ok(docker(bin, ["tag", `${P}/library/busybox`, `${repo}:z`]));
        const mark = proxy.requests.length;
        const out = await ok(docker(bin, ["push", `${repo}:z`]));
        const layers = layerLines(out);
        expect(layers.length).toBeGreaterThan(0);
        for (const l of layers) expect(l).toMatch(/^[0-9a-f]{12}: Mounted from (library\/busybox|third\/bb|third\/copy|cli\d\d\/bb)$/);
        expect(out).toMatch(/^z: digest: sha256:[0-9a-f]{64} size: \d+$/m);
        expect(uploads(proxy, mark)).toMatchObject({ sessions: 0, writes: 0 });
        await ok(docker(bin, ["rmi", `${repo}:z`]));
        expect(await ok(docker(bin, ["pull", `${repo}:z`]))).toContain(`Status: Downloaded newer image for ${repo}:z`);
        expect((await ok(docker(bin, ["image", "inspect", "--format", "{{.Id}}", `${repo}:z`]))).trim()).toBe(id);
      });
    }

    test("a source repository the registry does not have: the session the refused mount opened takes the upload", async () => {
      // tagged here only; the image's other references are removed, so it is the only candidate
      await ok(skiff(["tag", `${P}/library/busybox`, `${P}/never/pushed:1`]));
      await ok(skiff(["tag", `${P}/library/busybox`, `${P}/fifth/bb:1`]));
      const refs = JSON.parse(await ok(skiff(["image", "inspect", `${P}/fifth/bb:1`])))[0] as { RepoTags: string[] };
      for (const t of refs.RepoTags) if (!t.endsWith("/never/pushed:1") && !t.endsWith("/fifth/bb:1")) await ok(skiff(["rmi", t]));
      expect(JSON.parse(await ok(skiff(["image", "inspect", `${P}/fifth/bb:1`])))[0].RepoDigests).toEqual([]);
      const mark = proxy.requests.length;
      const out = await ok(skiff(["push", `${P}/fifth/bb:1`]));
      for (const l of layerLines(out).filter((l) => !/Pushing|Preparing|Waiting/.test(l))) expect(l).toMatch(/: Pushed$/);
      const u = uploads(proxy, mark);
      expect(u.mounts).toEqual(["never/pushed", "never/pushed"]);
      expect(u.sessions).toBe(0);
      expect(u.writes).toBe(2);
      await ok(skiff(["rmi", `${P}/fifth/bb:1`, `${P}/never/pushed:1`]));
      await ok(skiff(["pull", `${P}/fifth/bb:1`]));
      expect((await ok(skiff(["image", "inspect", "--format", "{{.Id}}", `${P}/fifth/bb:1`]))).trim()).toBe(id);
      await ok(skiff(["rmi", `${P}/fifth/bb:1`]));
      if (auth) await ok(skiff(["logout", P]));
    }, 120_000);
  });
}
