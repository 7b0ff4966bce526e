import { expect, test } from "bun:test";
import fc from "fast-check";
import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS, nextRestartDelay, restartAtDaemonStart, restartPolicyProblem, shouldRestart, type RestartPolicy } from "./restart-policy.ts";

const policy = (name: RestartPolicy["name"], maximumRetryCount = 0): RestartPolicy => ({ name, maximumRetryCount });
const exit = (exitCode: number, o: { manuallyStopped?: boolean; killedByUser?: boolean; restartCount?: number } = {}) => ({ exitCode, manuallyStopped: o.manuallyStopped ?? false, killedByUser: o.killedByUser ?? false, restartCount: o.restartCount ?? 0 });

test("the back-off: 100 ms, doubled on each quick exit, one minute at most, 100 ms again after a run of 10 s", () => {
  const delays: number[] = [];
  let d = 0;
  for (let i = 0; i < 12; i++) delays.push((d = nextRestartDelay(d, 50)));
  expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  expect(nextRestartDelay(60000, 10_000)).toBe(100);
  expect(nextRestartDelay(3200, 9_999)).toBe(6400);
});

test("the back-off, any history: always within [100 ms, 60 s], never shrinks below twice the last unless the run was long", () => {
  const r = fc.check(
    fc.property(fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 40 }), (runs) => {
      let d = 0;
      for (const ran of runs) {
        const next = nextRestartDelay(d, ran);
        if (next < BACKOFF_FIRST_MS || next > BACKOFF_MAX_MS) return false;
        if (ran >= 10_000 ? next !== BACKOFF_FIRST_MS : d > 0 && next !== Math.min(d * 2, BACKOFF_MAX_MS)) return false;
        d = next;
      }
      return true;
    }),
    { seed: 11, numRuns: 500 },
  );
  if (r.failed) throw new Error(`seed ${r.seed} path ${r.counterexamplePath}: ${JSON.stringify(r.counterexample)}`);
});

test("which exits restart: no never; always and unless-stopped on any code; on-failure on a non-zero code up to N; nothing after a stop by the user", () => {
  expect(shouldRestart(undefined, exit(1))).toBe(false);
  expect(shouldRestart(policy("no"), exit(1))).toBe(false);
  for (const code of [0, 1, 137]) {
    expect(shouldRestart(policy("always"), exit(code))).toBe(true);
    expect(shouldRestart(policy("unless-stopped"), exit(code))).toBe(true);
  }
  expect(shouldRestart(policy("on-failure"), exit(0))).toBe(false);
  expect(shouldRestart(policy("on-failure"), exit(3, { restartCount: 1000 }))).toBe(true);
  expect(shouldRestart(policy("on-failure", 2), exit(3, { restartCount: 1 }))).toBe(true);
  expect(shouldRestart(policy("on-failure", 2), exit(3, { restartCount: 2 }))).toBe(false);
  for (const name of ["always", "unless-stopped", "on-failure"] as const) expect(shouldRestart(policy(name), exit(1, { manuallyStopped: true }))).toBe(false);
  // killed by the user with another signal than its own stop signal: dockerd cancels no policy,
  // but unless-stopped counts it as stopped
  expect(shouldRestart(policy("always"), exit(5, { killedByUser: true }))).toBe(true);
  expect(shouldRestart(policy("on-failure"), exit(5, { killedByUser: true }))).toBe(true);
  expect(shouldRestart(policy("unless-stopped"), exit(5, { killedByUser: true }))).toBe(false);
});

test("at daemon start: always even if stopped by the user, unless-stopped only if not, on-failure by its code and count, never a container that never ran", () => {
  const at = (p: RestartPolicy, code: number, o: { manuallyStopped?: boolean; restartCount?: number; startedBefore?: boolean } = {}) => restartAtDaemonStart(p, { ...exit(code, o), startedBefore: o.startedBefore ?? true });
  expect(at(policy("always"), 0, { manuallyStopped: true })).toBe(true);
  expect(at(policy("always"), 0, { startedBefore: false })).toBe(false);
  expect(at(policy("unless-stopped"), 0)).toBe(true);
  expect(at(policy("unless-stopped"), 0, { manuallyStopped: true })).toBe(false);
  expect(at(policy("on-failure"), 1, { manuallyStopped: true })).toBe(true);
  expect(at(policy("on-failure", 2), 1, { restartCount: 2 })).toBe(false);
  expect(at(policy("on-failure"), 0)).toBe(false);
  expect(at(policy("no"), 1)).toBe(false);
});

test("dockerd's refusals of a policy, in its words", () => {
  expect(restartPolicyProblem(policy("always", 3), false)).toBe("maximum retry count cannot be used with restart policy 'always'");
  expect(restartPolicyProblem(policy("on-failure", -1), false)).toBe("maximum retry count cannot be negative");
  expect(restartPolicyProblem(policy("always"), true)).toBe("can't create 'AutoRemove' container with restart policy");
  expect(restartPolicyProblem({ name: "sometimes" as "no", maximumRetryCount: 0 }, false)).toBe("invalid restart policy 'sometimes'");
  expect(restartPolicyProblem(policy("no"), true)).toBeUndefined();
  expect(restartPolicyProblem(policy("on-failure", 5), false)).toBeUndefined();
});
