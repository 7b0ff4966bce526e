// Authorization against real servers: docker-registry behind htpasswd (basic), and a bearer-token
// flow (a token service written here, a proxy in front of docker-registry that demands its tokens
// and redirects blob downloads to another origin, as registries do to their CDN).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { Server } from "bun";
import type { SkiffError } from "../../common/errors.ts";
import { parseReference } from "../../oci/image/reference.ts";
import { pullImage } from "./pull-image.ts";
import { pushImage } from "./push-image.ts";
import { RegistryClient, type RegistryClientOptions } from "./registry-client.ts";
import { startProxy, type FaultProxy } from "./testing/fault-proxy.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "./testing/registry-server.ts";
import { storeImage, tinyImage, storesUnder } from "./testing/test-image.ts";
import { failure } from "../../common/failure.ts";

const tmp = `/tmp/skiff-test-${process.pid}/registry-auth`;
const PASSWORD = "s3cret-Pw!";
const freshStore = storesUnder(tmp);
const noSecrets = (e: SkiffError) => expect(JSON.stringify([e.message, e.hint, e.details, e.format()])).not.toContain(PASSWORD);
const image = tinyImage({ label: "auth" });

describe.skipIf(!haveRegistry)("basic auth (htpasswd)", () => {
  let registry: RegistryServer;
  const client = (opts: Partial<RegistryClientOptions> = {}) => new RegistryClient({ domain: registry.domain, retry: { baseDelayMs: 2 }, ...opts });
  beforeAll(async () => {
    registry = await startRegistry({ dir: `${tmp}/basic-registry`, basicAuth: { username: "skiff", password: PASSWORD } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  test("username and password push and pull", async () => {
    const credentials = { username: "skiff", password: PASSWORD };
    const c = client({ credentials });
    await c.login();
    expect(c.transport.auth.scheme).toEqual({ kind: "basic" });
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(c, src, "private/app", image.manifest.descriptor, { tag: "1" });
    const pulled = await pullImage(client({ credentials }), freshStore(), parseReference(`${registry.domain}/private/app:1`));
    expect(pulled.manifest.descriptor.digest).toBe(image.manifest.descriptor.digest);
  });

  test("without credentials: IMAGE_REGISTRY_UNAUTHORIZED with the status and a hint to log in", async () => {
    const e = await failure(pullImage(client(), freshStore(), parseReference(`${registry.domain}/private/app:1`)));
    expect(e.code).toBe("IMAGE_REGISTRY_UNAUTHORIZED");
    expect(e.details.status).toBe(401);
    expect(e.hint).toContain(`skiff login ${registry.domain}`);
  });

  test("a wrong password is refused at login, and never shown", async () => {
    const e = await failure(client({ credentials: { username: "skiff", password: `${PASSWORD}x` } }).login());
    expect(e.code).toBe("IMAGE_REGISTRY_UNAUTHORIZED");
    // logging in already: no hint to log in, but to check what was given
    expect(e.hint).toContain("check the username and password");
    noSecrets(e);
  });
});

describe.skipIf(!haveRegistry)("bearer tokens", () => {
  let registry: RegistryServer;
  let proxy: FaultProxy;
  let tokens: Server<undefined>;
  let cdn: Server<undefined>;
  const issued = new Map<string, { scopes: string[] }>();
  const tokenLog: { method: string; scopes: string[]; who: string }[] = [];
  const cdnAuthorization: (string | null)[] = [];
  const client = (opts: Partial<RegistryClientOptions> = {}) => new RegistryClient({ domain: proxy.domain, retry: { baseDelayMs: 2 }, ...opts });

  beforeAll(async () => {
    registry = await startRegistry({ dir: `${tmp}/bearer-registry` });
    // The token service: basic credentials or a refresh token get what they ask for; anonymous
    // callers get pull on public/* only.
    tokens = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const url = new URL(req.url);
        let who = "anonymous";
        let scopes = url.searchParams.getAll("scope");
        if (req.method === "POST") {
          const form = new URLSearchParams(await req.text());
          if (form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== "refresh-1") return new Response("{}", { status: 401 });
          who = "refresh";
          scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
        } else if (req.headers.get("authorization")) {
          if (req.headers.get("authorization") !== `Basic ${Buffer.from(`skiff:${PASSWORD}`).toString("base64")}`) return new Response('{"details":"bad credentials"}', { status: 401 });
          who = url.searchParams.get("account") ?? "?";
        }
        const granted = who === "anonymous" ? scopes.filter((s) => /^repository:public\/[^:]+:pull$/.test(s)) : scopes;
        tokenLog.push({ method: req.method, scopes, who });
        const token = `tok-${tokenLog.length}`;
        issued.set(token, { scopes: granted });
        return Response.json(req.method === "POST" ? { access_token: token, expires_in: 120 } : { token, expires_in: 120 });
      },
    });
    cdn = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        cdnAuthorization.push(req.headers.get("authorization"));
        const path = new URL(req.url).pathname.replace(/^\/cdn/, "");
        const res = await fetch(registry.url + path, { headers: req.headers.get("range") ? { range: req.headers.get("range")! } : {} });
        return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
      },
    });
    proxy = await startProxy(registry.url, (req, url) => {
      const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname);
      const need: string[] = [];
      if (m) {
        need.push(`repository:${m[1]}:${req.method === "GET" || req.method === "HEAD" ? "pull" : "pull,push"}`);
        const from = url.searchParams.get("from");
        if (from) need.push(`repository:${from}:pull`);
      }
      const token = req.headers.get("authorization")?.replace(/^Bearer /, "");
      const grant = token ? issued.get(token) : undefined;
      const ok = grant && need.every((s) => grant.scopes.includes(s) || (s.endsWith(":pull") && grant.scopes.includes(`${s},push`)));
      if (!ok) {
        const scope = need.length ? `,scope="${need.join(" ")}"` : "";
        return new Response('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', {
          status: 401,
          headers: { "www-authenticate": `Bearer realm="http://127.0.0.1:${tokens.port}/token",service="skiff-test"${scope}` },
        });
      }
      if (req.method === "GET" && m?.[2] === "blobs") return new Response(null, { status: 307, headers: { location: `http://127.0.0.1:${cdn.port}/cdn${url.pathname}?sig=signed` } });
      return undefined;
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    tokens?.stop(true);
    cdn?.stop(true);
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("push and pull with username/password; one token per scope set; no Authorization sent to the CDN", async () => {
    const credentials = { username: "skiff", password: PASSWORD };
    const c = client({ credentials });
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(c, src, "team/app", image.manifest.descriptor, { tag: "1" });
    expect(c.transport.auth.scheme.kind).toBe("bearer");
    // one token, repository:team/app:pull,push, for every blob and the manifest (the probe needs none)
    expect(c.transport.auth.tokenRequests).toBe(1);
    expect(tokenLog.at(-1)).toEqual({ method: "GET", scopes: ["repository:team/app:pull,push"], who: "skiff" });

    const reader = client({ credentials });
    cdnAuthorization.length = 0;
    const pulled = await pullImage(reader, freshStore(), parseReference(`${proxy.domain}/team/app:1`));
    expect(pulled.manifest.descriptor.digest).toBe(image.manifest.descriptor.digest);
    expect(reader.transport.auth.tokenRequests).toBe(1);
    expect(cdnAuthorization.length).toBe(3); // config and two layers came from the other origin
    expect(cdnAuthorization.every((a) => a === null)).toBe(true);
  });

  test("mounting from another repository asks for both scopes", async () => {
    const c = client({ credentials: { username: "skiff", password: PASSWORD } });
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(c, src, "team/copy", image.manifest.descriptor, { tag: "1", mountFrom: "team/app" });
    expect(tokenLog.some((t) => t.scopes.includes("repository:team/app:pull") && t.scopes.includes("repository:team/copy:pull,push"))).toBe(true);
    expect(await c.listTags("team/copy")).toEqual(["1"]);
  });

  test("an identity token is exchanged as an OAuth2 refresh token", async () => {
    const c = client({ credentials: { identityToken: "refresh-1" } });
    await pullImage(c, freshStore(), parseReference(`${proxy.domain}/team/app:1`));
    expect(tokenLog.at(-1)).toMatchObject({ method: "POST", who: "refresh" });
  });

  test("anonymous tokens pull public repositories; private ones give IMAGE_REGISTRY_UNAUTHORIZED", async () => {
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(client({ credentials: { username: "skiff", password: PASSWORD } }), src, "public/app", image.manifest.descriptor, { tag: "1", mountFrom: "team/app" });
    await pullImage(client(), freshStore(), parseReference(`${proxy.domain}/public/app:1`));
    const e = await failure(pullImage(client(), freshStore(), parseReference(`${proxy.domain}/team/app:1`)));
    expect(e.code).toBe("IMAGE_REGISTRY_UNAUTHORIZED");
    expect(e.details.status).toBe(401);
  });

  test("a token service refusing the password: IMAGE_REGISTRY_UNAUTHORIZED, password not shown", async () => {
    const e = await failure(client({ credentials: { username: "skiff", password: `${PASSWORD}x` } }).login());
    expect(e.code).toBe("IMAGE_REGISTRY_UNAUTHORIZED");
    expect(e.message).toContain("request token from");
    noSecrets(e);
  });

  test("an expired token is renewed", async () => {
    let clock = Date.now();
    const c = client({ credentials: { username: "skiff", password: PASSWORD }, now: () => clock });
    await c.headManifest("team/app", "1");
    expect(c.transport.auth.tokenRequests).toBe(1);
    await c.headManifest("team/app", "1");
    expect(c.transport.auth.tokenRequests).toBe(1);
    clock += 121_000;
    await c.headManifest("team/app", "1");
    expect(c.transport.auth.tokenRequests).toBe(2);
  });
});
