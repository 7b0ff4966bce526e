// skiff doctor's daemon checks: no socket, a socket nobody answers on (a killed daemon's), and a
// daemon that answers.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ApiClient } from "../../../api/client.ts";
import { daemonChecks } from "./daemon-checks.ts";

const dir = mkdtempSync("/tmp/skiff-doctor-daemon-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const summary = async (socket: string) => (await daemonChecks(new ApiClient(socket), 1000)).checks.map((c) => `${c.status} ${c.name}: ${c.found}`);

test("no socket, or a file that is not one: the socket is missing, with how to start skiffd", async () => {
  expect(await summary(join(dir, "absent.sock"))).toEqual([`missing daemon socket: nothing at ${dir}/absent.sock: skiffd is not running, or listens elsewhere`]);
  writeFileSync(join(dir, "file.sock"), "");
  expect(await summary(join(dir, "file.sock"))).toEqual([`missing daemon socket: ${dir}/file.sock is not a socket`]);
});

test("a socket with nobody listening (a killed daemon's): the daemon is missing", async () => {
  const path = join(dir, "stale.sock");
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(path, resolve));
  // closing unlinks the path; a listener that dies leaves it: bind the path again without listening
  await new Promise((resolve) => srv.close(resolve));
  const { spawnSync } = await import("node:child_process");
  spawnSync("python3", ["-c", `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`]);
  const lines = await summary(path);
  expect(lines[0]).toBe(`ok daemon socket: ${path}`);
  expect(lines[1]).toStartWith(`missing daemon: no answer on ${path}`);
});

test("a daemon that answers: its version", async () => {
  const path = join(dir, "live.sock");
  const server = Bun.serve({ unix: path, fetch: () => Response.json({ Platform: { Name: "skiff" }, Version: "0.1.0", ApiVersion: "1.41" }) });
  try {
    expect(await summary(path)).toEqual([`ok daemon socket: ${path}`, "ok daemon: skiffd 0.1.0 answers (API 1.41)"]);
  } finally {
    server.stop(true);
  }
});

test("another daemon on the socket (dockerd through DOCKER_HOST): a warning, and its host checks are not asked for", async () => {
  const path = join(dir, "docker.sock");
  const server = Bun.serve({ unix: path, fetch: () => Response.json({ Platform: { Name: "Docker Engine - Community" }, Version: "20.10.24", ApiVersion: "1.41" }) });
  try {
    const r = await daemonChecks(new ApiClient(path), 1000);
    expect(r.answered).toBeUndefined();
    expect(r.checks.map((c) => `${c.status} ${c.found}`)).toEqual([`ok ${path}`, `warning Docker Engine - Community 20.10.24 answers on ${path}, not skiffd`]);
  } finally {
    server.stop(true);
  }
});
