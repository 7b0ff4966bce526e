// The wire side of restart policies, health checks and update: the create body's RestartPolicy and
// Healthcheck as the engine's options, inspect's HostConfig.RestartPolicy, Config.Healthcheck and
// State.Health, ps's status words, and the update body's mapping.
import { expect, test } from "bun:test";
import type { ContainerRecord } from "../../engine/containers/index.ts";
import { containerJson, statusText } from "./container-json.ts";
import { mapCreateBody } from "./container-options.ts";
import { mapUpdateBody } from "./container-update.ts";

const base = (o: Partial<ContainerRecord> = {}): ContainerRecord =>
  ({
    id: "a".repeat(64), name: "c", image: "busybox", imageId: "sha256:x", created: "2026-01-01T00:00:00Z", imageConfig: { ExposedPorts: [], Env: [], Volumes: [], Labels: {}, Healthcheck: { Test: ["CMD", "true"], Interval: 5e9 } },
    options: {}, path: "sh", args: [], hostname: "h", runtime: "skiff", files: { bundle: "", stateDir: "", logPath: "", hostnamePath: "", hostsPath: "", resolvConfPath: "" },
    state: { status: "running", pid: 1, exitCode: 0, error: "", oomKilled: false, startedAt: "2026-01-01T00:00:00Z", finishedAt: "0001-01-01T00:00:00Z" }, restartCount: 0, ...o,
  }) as ContainerRecord;

test("create: RestartPolicy and Healthcheck become the engine's options; an empty policy name is none; an unknown one a 400 naming the field", () => {
  const o = mapCreateBody({ Image: "busybox", Healthcheck: { Test: ["CMD-SHELL", "x"], Interval: 1e9, Retries: 0 }, HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 } } } as never).options;
  expect(o.restartPolicy).toEqual({ name: "on-failure", maximumRetryCount: 3 });
  expect(o.healthcheck).toEqual({ test: ["CMD-SHELL", "x"], interval: 1e9 });
  expect(mapCreateBody({ Image: "busybox", HostConfig: { RestartPolicy: { Name: "", MaximumRetryCount: 0 } } } as never).options.restartPolicy).toBeUndefined();
  expect(() => mapCreateBody({ Image: "busybox", HostConfig: { RestartPolicy: { Name: "sometimes" } } } as never)).toThrow("invalid restart policy 'sometimes'");
});

test("inspect: the policy, the merged check (the image's interval kept) and State.Health; no Health before a checked start", () => {
  const r = base({ options: { restartPolicy: { name: "always", maximumRetryCount: 0 }, healthcheck: { test: ["CMD-SHELL", "y"] } } });
  const j = containerJson(r) as { HostConfig: Record<string, unknown>; Config: Record<string, unknown>; State: Record<string, unknown> };
  expect(j.HostConfig.RestartPolicy).toEqual({ Name: "always", MaximumRetryCount: 0 });
  expect(j.Config.Healthcheck).toEqual({ Test: ["CMD-SHELL", "y"], Interval: 5e9 });
  expect(j.State.Health).toBeUndefined();
  r.state.health = { status: "healthy", failingStreak: 0, log: [{ start: "s", end: "e", exitCode: 0, output: "ok" }] };
  expect((containerJson(r) as { State: Record<string, unknown> }).State.Health).toEqual({ Status: "healthy", FailingStreak: 0, Log: [{ Start: "s", End: "e", ExitCode: 0, Output: "ok" }] });
  expect((containerJson(base()) as { HostConfig: Record<string, unknown> }).HostConfig.RestartPolicy).toEqual({ Name: "no", MaximumRetryCount: 0 });
});

test("ps: docker's words for a checked container's status; a restarting one counts as running in inspect", () => {
  const now = Date.parse("2026-01-01T00:03:00Z");
  const r = base();
  expect(statusText(r, now)).toBe("Up 3 minutes");
  r.state.health = { status: "starting", failingStreak: 0, log: [] };
  expect(statusText(r, now)).toBe("Up 3 minutes (health: starting)");
  r.state.health.status = "unhealthy";
  expect(statusText(r, now)).toBe("Up 3 minutes (unhealthy)");
  r.state.status = "paused";
  expect(statusText(r, now)).toBe("Up 3 minutes (Paused)");
  const restarting = base({ state: { ...base().state, status: "restarting", exitCode: 1, finishedAt: "2026-01-01T00:02:58Z" } });
  expect(statusText(restarting, now)).toBe("Restarting (1) 2 seconds ago");
  expect((containerJson(restarting) as { State: Record<string, unknown> }).State).toMatchObject({ Running: true, Restarting: true, Status: "restarting" });
});

test("update: docker 28's body (every field, zero when not given) → only what changes; fields skiffd cannot change are refused, naming the flag", () => {
  const body = { CpuShares: 0, Memory: 67108864, CgroupParent: "", BlkioWeight: 0, CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, CpusetCpus: "", CpusetMems: "", MemoryReservation: 0, MemorySwap: 0, NanoCpus: 0, PidsLimit: null, RestartPolicy: { Name: "", MaximumRetryCount: 0 } };
  expect(mapUpdateBody(body as never)).toEqual({ memory: 67108864 });
  expect(mapUpdateBody({ ...body, Memory: 0, PidsLimit: -1, RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 } } as never)).toEqual({ pidsLimit: -1, restartPolicy: { name: "unless-stopped", maximumRetryCount: 0 } });
  expect(() => mapUpdateBody({ ...body, BlkioWeight: 500 } as never)).toThrow("--blkio-weight cannot be updated by skiffd");
  expect(() => mapUpdateBody({ ...body, CpuRealtimeRuntime: 5000 } as never)).toThrow("--cpu-rt-runtime cannot be updated by skiffd");
  expect(mapUpdateBody({ ...body, Memory: 0, CpuQuota: 50000, CpuPeriod: 200000, MemoryReservation: 33554432 } as never)).toEqual({ cpuQuota: 50000, cpuPeriod: 200000, memoryReservation: 33554432 });
});
