import { expect, test } from "bun:test";
import fc from "fast-check";
import { applyProbeResult, effectiveHealthcheck, goDuration, healthcheckProblem, MAX_HEALTH_LOG, mergedHealthcheck, probeArgv, probeOutput, probeTimings, startingHealth, timeoutOutput, type ContainerHealth, type HealthResult } from "./health-state.ts";

const result = (exitCode: number, output = ""): HealthResult => ({ start: "s", end: "e", exitCode, output });
const at = (startMs: number, o: { retries?: number; startPeriodMs?: number } = {}) => ({ retries: o.retries ?? 3, startPeriodMs: o.startPeriodMs ?? 0, startedAtMs: 0, startMs });

test("starting → healthy on exit 0; healthy → unhealthy after `retries` failures in a row; a success ends the streak", () => {
  let h = startingHealth(undefined);
  h = applyProbeResult(h, result(0), at(1000));
  expect(h).toMatchObject({ status: "healthy", failingStreak: 0 });
  h = applyProbeResult(h, result(1), at(2000));
  h = applyProbeResult(h, result(1), at(3000));
  expect(h).toMatchObject({ status: "healthy", failingStreak: 2 });
  h = applyProbeResult(h, result(2), at(4000)); // any non-zero code fails
  expect(h).toMatchObject({ status: "unhealthy", failingStreak: 3 });
  h = applyProbeResult(h, result(0), at(5000));
  expect(h).toMatchObject({ status: "healthy", failingStreak: 0 });
});

test("failures within the start period do not count while starting; after it they do; a healthy container's always count", () => {
  let h = startingHealth(undefined);
  for (const t of [1000, 2000, 3000, 4000]) h = applyProbeResult(h, result(1), at(t, { retries: 1, startPeriodMs: 5000 }));
  expect(h).toMatchObject({ status: "starting", failingStreak: 0 });
  h = applyProbeResult(h, result(1), at(5000, { retries: 1, startPeriodMs: 5000 }));
  expect(h).toMatchObject({ status: "unhealthy", failingStreak: 1 });
  const healthy: ContainerHealth = { status: "healthy", failingStreak: 0, log: [] };
  expect(applyProbeResult(healthy, result(1), at(1000, { retries: 1, startPeriodMs: 5000 }))).toMatchObject({ status: "unhealthy" });
});

test("the log keeps the last 5 results; a start resets status and streak, keeps the log", () => {
  let h = startingHealth(undefined);
  for (let i = 0; i < 8; i++) h = applyProbeResult(h, result(1, `run ${i}`), at(i * 1000));
  expect(h.log.map((l) => l.output)).toEqual(["run 3", "run 4", "run 5", "run 6", "run 7"]);
  expect(startingHealth(h)).toEqual({ status: "starting", failingStreak: 0, log: h.log });
});

test("the state machine over any run of results: the log at most 5, the streak counts failures since the last success, unhealthy exactly when the streak reached retries (no start period)", () => {
  const r = fc.check(
    fc.property(fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (codes, retries) => {
      let h = startingHealth(undefined);
      let streak = 0;
      let everUnhealthyOrHealthy = false;
      for (const [i, code] of codes.entries()) {
        h = applyProbeResult(h, result(code), at(i, { retries }));
        streak = code === 0 ? 0 : streak + 1;
        if (code === 0 || streak >= retries) everUnhealthyOrHealthy = true;
        if (h.log.length > MAX_HEALTH_LOG || h.failingStreak !== streak) return false;
        if ((h.status === "unhealthy") !== (streak >= retries)) return false;
        if (h.status === "starting" && everUnhealthyOrHealthy) return false;
      }
      return true;
    }),
    { seed: 7, numRuns: 500 },
  );
  if (r.failed) throw new Error(`seed ${r.seed} path ${r.counterexamplePath}: ${JSON.stringify(r.counterexample)}`);
});

test("the container's check over the image's: unset fields from the image, NONE or nothing is no check", () => {
  const image = { Test: ["CMD", "true"], Interval: 5e9, Retries: 2 };
  expect(effectiveHealthcheck(undefined, image)).toEqual({ test: ["CMD", "true"], interval: 5e9, timeout: undefined, startPeriod: undefined, retries: 2 });
  expect(effectiveHealthcheck({ test: [], interval: 1e9 }, image)).toMatchObject({ test: ["CMD", "true"], interval: 1e9, retries: 2 });
  expect(effectiveHealthcheck({ test: ["CMD-SHELL", "x"] }, image)).toMatchObject({ test: ["CMD-SHELL", "x"], interval: 5e9 });
  expect(effectiveHealthcheck({ test: ["NONE"] }, image)).toBeUndefined();
  expect(mergedHealthcheck({ test: ["NONE"] }, image)?.test).toEqual(["NONE"]);
  expect(effectiveHealthcheck(undefined, undefined)).toBeUndefined();
  expect(effectiveHealthcheck(undefined, { Test: ["NONE"] })).toBeUndefined();
});

test("probe commands and timings: CMD as is, CMD-SHELL through /bin/sh -c; docker's defaults 30 s, 30 s, 0, 3", () => {
  expect(probeArgv(["CMD", "cat", "/x"])).toEqual(["cat", "/x"]);
  expect(probeArgv(["CMD-SHELL", "test -f /x || exit 1"])).toEqual(["/bin/sh", "-c", "test -f /x || exit 1"]);
  expect(() => probeArgv(["BOGUS"])).toThrow("unknown healthcheck type 'BOGUS'");
  expect(probeTimings({ test: ["CMD", "x"] })).toEqual({ intervalMs: 30000, timeoutMs: 30000, startPeriodMs: 0, retries: 3 });
  expect(probeTimings({ test: ["CMD", "x"], interval: 2e8, timeout: 1e9, startPeriod: 3e9, retries: 1 })).toEqual({ intervalMs: 200, timeoutMs: 1000, startPeriodMs: 3000, retries: 1 });
});

test("dockerd's refusals of a check, in its words", () => {
  expect(healthcheckProblem({ test: ["CMD", "x"], interval: 5e5 })).toBe("Interval in Healthcheck cannot be less than 1ms");
  expect(healthcheckProblem({ test: ["CMD", "x"], timeout: -1 })).toBe("Timeout in Healthcheck cannot be negative");
  expect(healthcheckProblem({ test: ["CMD", "x"], retries: -1 })).toBe("Retries in Healthcheck cannot be negative");
  expect(healthcheckProblem({ test: ["WHAT", "x"] })).toContain("unknown healthcheck type 'WHAT'");
  expect(healthcheckProblem({ test: ["CMD"] })).toBe("Healthcheck CMD has no command");
  expect(healthcheckProblem({ test: ["NONE"] })).toBeUndefined();
  expect(healthcheckProblem({ test: ["CMD-SHELL", "true"], interval: 1e6, startPeriod: 0 })).toBeUndefined();
});

test("output: 4096 bytes kept, '...' when there was more; the timeout message as dockerd words it (Go's durations)", () => {
  expect(probeOutput(Buffer.from("ok\n"))).toBe("ok\n");
  const big = Buffer.alloc(5000, "a");
  expect(probeOutput(big)).toBe(`${"a".repeat(4096)}...`);
  expect(probeOutput(Buffer.alloc(4096, "b"))).toBe("b".repeat(4096));
  expect(timeoutOutput(1000)).toBe("Health check exceeded timeout (1s)");
  expect([goDuration(30e9), goDuration(5e8), goDuration(90e9), goDuration(1.5e9), goDuration(3600e9), goDuration(1500), goDuration(0)]).toEqual(["30s", "500ms", "1m30s", "1.5s", "1h0m0s", "1.5µs", "0s"]);
});
