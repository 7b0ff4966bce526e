// How registry answers become errors: the 401 hint names the registry to log in to.
import { expect, test } from "bun:test";
import { loginCommand, networkError, statusError } from "./registry-error.ts";
import type { SkiffError } from "../../common/errors.ts";

test("a 401 hints at `skiff login` with the registry's own host, and plain `skiff login` for Docker Hub", async () => {
  const e = await statusError({ action: 'fetch manifest "127.0.0.1:5000/a:1"', object: "manifest", registry: "127.0.0.1:5000", response: new Response("", { status: 401 }) });
  expect(e.code).toBe("IMAGE_REGISTRY_UNAUTHORIZED");
  expect(e.hint).toContain("`skiff login 127.0.0.1:5000`");
  expect(e.hint).not.toContain("<registry>");
  const hub = await statusError({ action: 'fetch manifest "docker.io/library/x:1"', object: "token", registry: "docker.io", response: new Response("", { status: 401 }) });
  expect(hub.hint).toContain("`skiff login`,");
  expect(loginCommand("registry.example.com")).toBe("skiff login registry.example.com");
});

test("Docker Hub out of reach: the hint names the other sources of an image, not a registry name's spelling", () => {
  // (a new-user trial: `run nosuchimage:1` on a host without Docker Hub said to check the registry's spelling)
  const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
  const hub = networkError("probe registry docker.io", "https://registry-1.docker.io/v2/", notFound) as SkiffError;
  expect([hub.code, hub.details.errno]).toEqual(["IMAGE_REGISTRY_UNREACHABLE", "ENOTFOUND"]);
  expect(hub.hint).toContain("docker.io (Docker Hub)");
  expect(hub.hint).toContain("skiff load or skiff import");
  expect(hub.hint).not.toContain("spelling");
  const refused = Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
  expect((networkError("pull", "https://index.docker.io/v2/x/manifests/1", refused) as SkiffError).hint).toContain("docker.io (Docker Hub)");
  // another registry keeps the hint about its name
  const other = networkError("probe registry reg.example", "https://reg.example/v2/", notFound) as SkiffError;
  expect(other.hint).toContain("does not resolve: check its spelling");
});

test("a failed TLS handshake (a plain-HTTP registry) is not retried and says why in the message itself, which is all the docker CLI shows", async () => {
  const { isRetryable } = await import("./registry-error.ts");
  const tls = networkError("probe registry 192.0.2.2:5057", "https://192.0.2.2:5057/v2/", Object.assign(new Error("EPROTO"), { code: "EPROTO" })) as SkiffError;
  expect([tls.code, isRetryable(tls)]).toEqual(["IMAGE_REGISTRY_UNREACHABLE", false]);
  expect(tls.message).toContain("TLS handshake failed (the registry may answer plain HTTP");
  expect(tls.hint).toContain("--insecure-registry");
  // a refused connection stays worth another try
  expect(isRetryable(networkError("pull", "https://192.0.2.2:5057/v2/", Object.assign(new Error("refused"), { code: "ECONNREFUSED" })))).toBe(true);
});
