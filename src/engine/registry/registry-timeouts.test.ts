// A registry that stops answering: stopped with SIGSTOP (the kernel still accepts connections and
// buffers what is sent; nothing answers), or a proxy that sends half a blob and then nothing, or
// never answers an upload. Each must end in IMAGE_REGISTRY_TIMEOUT naming the registry and the
// step, within the timeouts and the retry policy, instead of hanging; a stall that happens once
// is retried (a download resumes where it stopped) and the transfer completes.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { failure } from "../../common/failure.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { parseReference } from "../../oci/image/reference.ts";
import { ImageStore } from "../images/index.ts";
import { pullImage } from "./pull-image.ts";
import { pushImage } from "./push-image.ts";
import { RegistryClient } from "./registry-client.ts";
import { bodyOf, startProxy, Stalled, type FaultProxy } from "./testing/fault-proxy.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "./testing/registry-server.ts";
import { pseudoRandom, storeImage, tinyImage, storesUnder } from "./testing/test-image.ts";

const tmp = `/tmp/skiff-test-${process.pid}/registry-timeouts`;
const TIMEOUTS = { connectMs: 300, idleMs: 300, answerMs: 300 };
const RETRY = { tries: 2, baseDelayMs: 5, maxDelayMs: 20 };
/** Well inside what a hang would take, well above what the timeouts and retries add up to. */
const BOUND_MS = 6000;
const image = tinyImage({ label: "timeouts", layers: [{ "etc/hostname": "stall\n" }, { "data/big": pseudoRandom(3_000_000, 11) }] });
const big = image.layers[1]!.descriptor;
let registry: RegistryServer;
let proxy: FaultProxy;

const freshStore = storesUnder(tmp);
const client = (domain: string) => new RegistryClient({ domain, retry: RETRY, timeouts: TIMEOUTS });

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0 };
}

describe.skipIf(!haveRegistry)("registry timeouts", () => {
  beforeAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    registry = await startRegistry({ dir: `${tmp}/registry` });
    proxy = await startProxy(registry.url);
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(new RegistryClient({ domain: registry.domain }), src, "test/timeouts", image.manifest.descriptor, { tag: "1" });
  });
  afterEach(() => {
    registry.resume();
    proxy.hook = undefined;
    proxy.requests.length = 0;
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("a stopped registry: the probe gives up after the connect timeout and the retries, naming the registry", async () => {
    registry.pause();
    const { value: e, ms } = await timed(failure(pullImage(client(registry.domain), freshStore(), parseReference(`${registry.domain}/test/timeouts:1`))));
    expect(e.code).toBe("IMAGE_REGISTRY_TIMEOUT");
    expect(e.kind).toBe("unavailable");
    expect(e.message).toStartWith(`probe registry ${registry.domain}: `);
    expect(e.message).toContain("no answer from 127.0.0.1:");
    expect(e.hint).toBeTruthy();
    expect(ms).toBeLessThan(BOUND_MS);
  }, 20_000);

  test("a registry stopped after the probe: pull and push fail at the step they were at", async () => {
    const c = client(registry.domain);
    await c.ping();
    registry.pause();
    const pull = await timed(failure(pullImage(c, freshStore(), parseReference(`${registry.domain}/test/timeouts:1`))));
    expect(pull.value.code).toBe("IMAGE_REGISTRY_TIMEOUT");
    expect(pull.value.message).toStartWith(`fetch manifest "${registry.domain}/test/timeouts:1": no answer from ${registry.domain} for 0.3 s`);
    expect(pull.ms).toBeLessThan(BOUND_MS);

    const src = freshStore();
    await storeImage(src, image);
    const push = await timed(failure(pushImage(c, src, "test/stalled-push", image.manifest.descriptor, { tag: "1" })));
    expect(push.value.code).toBe("IMAGE_REGISTRY_TIMEOUT");
    expect(push.value.message).toMatch(new RegExp(`^check blob sha256:[0-9a-f]{64} in "${registry.domain}/test/stalled-push": no answer from ${registry.domain} for 0\\.3 s`));
    expect(push.ms).toBeLessThan(BOUND_MS);
  }, 20_000);

  test("an upload the registry stops taking mid-body is cut after the idle timeout", async () => {
    const c = client(registry.domain);
    // a blob bigger than the socket buffers: the registry (stopped once the upload began) cannot take it all
    const huge = tinyImage({ label: "huge", layers: [{ "data/huge": pseudoRandom(24_000_000, 5) }] });
    const src = freshStore();
    await storeImage(src, huge);
    let paused = false;
    const p = timed(
      failure(
        pushImage(c, src, "test/stalled-upload", huge.manifest.descriptor, {
          onProgress: (e) => {
            if (e.status === "uploading" && !paused) {
              paused = true;
              registry.pause();
            }
          },
        }),
      ),
    );
    const { value: e, ms } = await p;
    expect(paused).toBe(true);
    expect(e.code).toBe("IMAGE_REGISTRY_TIMEOUT");
    expect(e.message).toContain(`"${registry.domain}/test/stalled-upload"`);
    expect(e.message).toContain(registry.domain);
    expect(ms).toBeLessThan(BOUND_MS + 2000);
  }, 30_000);

  test("a download that stalls mid-way is cut after the idle timeout and resumed where it stopped", async () => {
    const path = `/v2/test/timeouts/blobs/${big.digest}`;
    let stalled = 0;
    const keep = 1_000_000;
    proxy.hook = async (req, url, forward) => {
      if (req.method !== "GET" || url.pathname !== path || stalled++ > 0) return undefined;
      const res = await forward();
      return new Stalled(await bodyOf(res), keep, res.headers);
    };
    const s = freshStore();
    const { ms } = await timed(pullImage(client(proxy.domain), s, parseReference(`${proxy.domain}/test/timeouts:1`)));
    expect(digestBytes(s.readBytes(big.digest))).toBe(big.digest);
    const gets = proxy.requests.filter((r) => r.method === "GET" && r.path === path);
    expect(gets.map((r) => r.range)).toEqual([null, `bytes=${keep}-`]);
    expect(ms).toBeLessThan(BOUND_MS);
  }, 20_000);

  test("a download that stalls every time fails: IMAGE_REGISTRY_TIMEOUT naming the registry and the blob", async () => {
    const path = `/v2/test/timeouts/blobs/${big.digest}`;
    proxy.hook = async (req, url, forward) => {
      if (req.method !== "GET" || url.pathname !== path) return undefined;
      const res = await forward();
      return new Stalled(await bodyOf(res), 0, res.headers);
    };
    const s = freshStore();
    const { value: e, ms } = await timed(failure(pullImage(client(proxy.domain), s, parseReference(`${proxy.domain}/test/timeouts:1`))));
    expect(e.code).toBe("IMAGE_REGISTRY_TIMEOUT");
    expect(e.message).toStartWith(`fetch blob ${big.digest} from "${proxy.domain}/test/timeouts": `);
    expect(e.message).toContain(`no data from ${proxy.domain} for 0.3 s`);
    expect(s.has(big.digest)).toBe(false);
    expect(ms).toBeLessThan(BOUND_MS);
  }, 20_000);

  test("an upload whose answer never comes is given up after the idle timeout and sent again", async () => {
    let held = 0;
    proxy.hook = (req, url) => {
      // the first upload's final PUT (body and all) is taken and never answered
      if (req.method === "PUT" && url.pathname.includes("/blobs/uploads/") && url.searchParams.has("digest") && held++ === 0) return new Promise<undefined>(() => {});
      return undefined;
    };
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(client(proxy.domain), src, "test/answer-lost", image.manifest.descriptor, { tag: "1", concurrency: 1 });
    expect(held).toBeGreaterThanOrEqual(2);
    const pulled = await pullImage(client(registry.domain), freshStore(), parseReference(`${registry.domain}/test/answer-lost:1`));
    expect(pulled.manifest.descriptor.digest).toBe(image.manifest.descriptor.digest);
  }, 20_000);

  test("ImageStore passes its timeouts to its registry clients: a push to a stopped registry fails instead of hanging", async () => {
    const store = new ImageStore({ dataRoot: `${tmp}/image-store`, retry: RETRY, timeouts: TIMEOUTS, unpackWorkers: 0 });
    try {
      const ref = `${registry.domain}/test/timeouts:1`;
      await store.pull(ref);
      store.tag(ref, `${registry.domain}/test/from-store`, "1");
      registry.pause();
      const { value: e, ms } = await timed(failure(store.push(`${registry.domain}/test/from-store:1`)));
      expect(e.code).toBe("IMAGE_REGISTRY_TIMEOUT");
      expect(e.message).toContain(registry.domain);
      expect(ms).toBeLessThan(BOUND_MS);
    } finally {
      registry.resume();
      await store.close();
    }
  }, 20_000);
});
