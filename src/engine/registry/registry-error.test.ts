// How registry answers become errors: the 401 hint names the registry to log in to.
import { expect, test } from "bun:test";
import { loginCommand, statusError } from "./registry-error.ts";

test("a 401 hints at `skiff login` with the registry's own host, and plain `skiff login` for Docker Hub", async () => {
  const e = await statusError({ action: 'fetch manifest "127.0.0.1:5000/a:1"', object: "manifest", registry: "127.0.0.1:5000", response: new Response("", { status: 401 }) });
  expect(e.code).toBe("IMAGE_REGISTRY_UNAUTHORIZED");
  expect(e.hint).toContain("`skiff login 127.0.0.1:5000`");
  expect(e.hint).not.toContain("<registry>");
  const hub = await statusError({ action: 'fetch manifest "docker.io/library/x:1"', object: "token", registry: "docker.io", response: new Response("", { status: 401 }) });
  expect(hub.hint).toContain("`skiff login`,");
  expect(loginCommand("registry.example.com")).toBe("skiff login registry.example.com");
});
