// A registry that is not there (no such host, nothing listening) fails every verb at once, with the
// default back-off; one that answered and then fails is retried, and each wait is told.
import { expect, test } from "bun:test";
import { createServer } from "node:http";
import { failure } from "../../common/failure.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { RegistryClient } from "./registry-client.ts";
import { freePort } from "./testing/registry-server.ts";

const blob = new TextEncoder().encode("layer");
const desc = { mediaType: MEDIA.ociLayerGzip, digest: digestBytes(blob), size: blob.byteLength };

/** Runs `op` and returns its error and how long it took, in ms. */
async function timed(op: () => Promise<unknown>) {
  const started = performance.now();
  const e = await failure(op());
  return { e, ms: performance.now() - started };
}

const verbs = (c: RegistryClient): [string, () => Promise<unknown>][] => [
  ["pull", () => c.getManifest("x/y", "1")],
  ["push", () => c.pushBlob("x/y", desc, blob)],
  ["login", () => c.login()],
  ["tags", () => c.listTags("x/y")],
];

test("nothing listening: pull, push, login and the tag list fail at once with ECONNREFUSED", async () => {
  const domain = `127.0.0.1:${await freePort()}`;
  for (const [verb, op] of verbs(new RegistryClient({ domain }))) {
    const { e, ms } = await timed(op);
    expect([verb, e.code, e.details.errno]).toEqual([verb, "IMAGE_REGISTRY_UNREACHABLE", "ECONNREFUSED"]);
    expect(e.hint).toContain("nothing listens there");
    expect(ms).toBeLessThan(1000);
  }
});

test("a name that does not resolve: each verb fails at once with ENOTFOUND and says the name is wrong", async () => {
  for (const [verb, op] of verbs(new RegistryClient({ domain: "nonexistent.invalid" }))) {
    const { e, ms } = await timed(op);
    expect([verb, e.code, e.details.errno]).toEqual([verb, "IMAGE_REGISTRY_UNREACHABLE", "ENOTFOUND"]);
    expect(e.message).toContain("host not found");
    expect(e.hint).toContain("does not resolve");
    expect(ms).toBeLessThan(2000);
  }
});

test("a registry that answers 503 is retried, and each wait is told before it starts", async () => {
  let pings = 0;
  const server = createServer((req, res) => {
    if (req.url === "/v2/" && ++pings <= 2) return res.writeHead(503).end();
    res.writeHead(200, { "content-type": "application/json" }).end(req.url === "/v2/" ? "{}" : JSON.stringify({ name: "x/y", tags: ["1"] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const domain = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const waits: number[] = [];
    const c = new RegistryClient({ domain, retry: { baseDelayMs: 5, maxDelayMs: 20 }, onRetry: (_action, ms) => waits.push(ms) });
    expect(await c.listTags("x/y")).toEqual(["1"]);
    expect(pings).toBe(3);
    expect(waits.length).toBe(2);
  } finally {
    server.close();
  }
});
