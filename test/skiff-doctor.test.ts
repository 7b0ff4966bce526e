// skiff doctor through the built binaries on this host: with a skiffd of the test's own (its
// checks and the daemon's answer, GET /skiff/doctor as JSON), and with no daemon (the host checks
// from skiffd --doctor, the missing daemon making it fail).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { removeDir, SKIFF, SKIFFD, startSkiffd, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
beforeAll(async () => {
  d = await startSkiffd();
});
afterAll(async () => {
  await d?.stop();
  if (d) removeDir(d.dir);
});

test("with skiffd answering: every section, nothing missing on this host, exit 0", () => {
  const r = d.skiff(["doctor"]);
  expect([r.status, r.stderr]).toEqual([0, ""]);
  for (const area of ["Daemon", "Kernel", "Namespaces", "Cgroups", "File systems", "Security", "Limits", "Networking", "Storage"]) expect(r.stdout).toContain(`\n${area}\n`.slice(area === "Daemon" ? 1 : 0));
  expect(r.stdout).toMatch(/ok\s+daemon\s+skiffd \S+ answers \(API 1\.41\)/);
  expect(r.stdout).toContain(`under ${join(d.dir, "data")}`);
  expect(r.stdout).not.toContain("MISSING");
});

test("GET /skiff/doctor answers the findings as JSON, and skiff doctor --format json prints them", async () => {
  const res = await fetch("http://skiffd/skiff/doctor", { unix: d.sock } as RequestInit);
  const body = (await res.json()) as { checks: { name: string; status: string }[]; ok: boolean };
  expect(body.ok).toBe(true);
  expect(body.checks.map((c) => c.name)).toContain("overlayfs");
  const printed = JSON.parse(d.skiff(["doctor", "--format", "json"]).stdout) as { checks: { area: string }[]; ok: boolean };
  expect([printed.ok, printed.checks[0]!.area]).toEqual([true, "daemon"]);
});

test("with no skiffd: the daemon is missing (exit 1), and the host is still checked through skiffd --doctor", () => {
  const sock = join(d.dir, "nobody.sock");
  const r = spawnSync(SKIFF, ["-H", `unix://${sock}`, "doctor"], { encoding: "utf8", env: { PATH: process.env.PATH } });
  expect(r.status).toBe(1);
  expect(r.stdout).toContain(`MISSING  daemon socket`);
  expect(r.stdout).toContain(`nothing at ${sock}: skiffd is not running`);
  expect(r.stdout).toMatch(/ok\s+overlayfs/);
  expect(r.stdout).toContain("1 missing (1 needed to run containers)");
  const direct = spawnSync(SKIFFD, ["--doctor", "--data-root", join(d.dir, "data")], { encoding: "utf8" });
  expect([direct.status, (JSON.parse(direct.stdout) as { ok: boolean }).ok]).toEqual([0, true]);
});
