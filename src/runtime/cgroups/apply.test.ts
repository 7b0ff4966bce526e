import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import { applyWrites } from "./apply.ts";
import { makeFakeCgroupfs, type FakeCgroupfs } from "./fake-cgroupfs.ts";
import { parseResources } from "./resources.ts";
import { planV1 } from "./v1.ts";
import { planV2 } from "./v2.ts";
import { write } from "./write.ts";

const errno = (code: string) => Object.assign(new Error(code), { code });

/** A kernel stand-in: records each write; `refuse` says which errno a write gets, if any. */
function kernel(refuse: (file: string, value: string, log: string[]) => string | undefined) {
  const log: string[] = [];
  const writeFile = (path: string, value: string) => {
    const file = path.split("/").pop()!;
    const code = refuse(file, value, log);
    if (code) throw errno(code);
    log.push(`${file}=${value}`);
  };
  return { log, writeFile };
}

const caught = (f: () => unknown): SkiffError => {
  try {
    f();
  } catch (e) {
    return e as SkiffError;
  }
  throw new Error("expected an error");
};

describe("applyWrites", () => {
  let fake: FakeCgroupfs | undefined;
  afterEach(() => fake?.remove());

  test("writes in order on the fake tree, replacing each file's content", () => {
    fake = makeFakeCgroupfs({ controllers: ["pids"] });
    applyWrites(fake.root, [write("cgroup", "cgroup.subtree_control", "+pids")]);
    const dir = fake.mkcgroup("a");
    applyWrites(dir, [write("pids", "pids.max", 100), write("pids", "pids.max", 7)]);
    expect(fake.read("a/pids.max")).toBe("7");
  });

  test("turns an errno into an error naming the file and the value", () => {
    const k = kernel((file) => (file === "cpu.max" ? "EINVAL" : undefined));
    const e = caught(() => applyWrites("/sys/fs/cgroup/x", [write("cpu", "cpu.max", "100000 50000", { field: "linux.resources.cpu.quota" })], k));
    expect(e.message).toBe('write "100000 50000" to /sys/fs/cgroup/x/cpu.max: EINVAL');
    expect(e.code).toBe("RUNTIME_CGROUP_WRITE_FAILED");
    expect(e.kind).toBe("invalid_argument");
    expect(e.details).toMatchObject({ path: "/sys/fs/cgroup/x/cpu.max", errno: "EINVAL", value: "100000 50000", field: "linux.resources.cpu.quota" });
    expect(e.hint).toContain("linux.resources.cpu.quota");
  });

  test.each([
    ["EPERM", "failed_precondition", "delegated"],
    ["EBUSY", "conflict", "below current usage"],
    ["EACCES", "failed_precondition", "delegated"],
  ])("%s is a %s error", (code, kind, hint) => {
    const e = caught(() => applyWrites("/c", [write("memory", "memory.limit_in_bytes", 1)], kernel(() => code)));
    expect([e.kind, e.details.errno]).toEqual([kind, code]);
    expect(e.hint).toContain(hint);
  });

  test("v1 memory: raising limit above the old memsw succeeds by writing memsw first", () => {
    // The cgroup holds limit 1M, memsw 2M; the config raises both to 4M and 8M.
    const state = { limit: 1 << 20, memsw: 2 << 20 };
    const k = kernel((file, value) => {
      const v = Number(value);
      if (file === "memory.limit_in_bytes") {
        if (v > state.memsw) return "EINVAL";
        state.limit = v;
      }
      if (file === "memory.memsw.limit_in_bytes") {
        if (v < state.limit) return "EINVAL";
        state.memsw = v;
      }
      return undefined;
    });
    const plan = planV1({ resources: parseResources({ memory: { limit: 4 << 20, swap: 8 << 20 } }), controllers: ["memory"], skipDevices: true });
    applyWrites("/c", plan.writes, k);
    expect(k.log).toEqual([`memory.memsw.limit_in_bytes=${8 << 20}`, `memory.limit_in_bytes=${4 << 20}`]);
    // Lowering both then goes in the planned order at once.
    const lower = planV1({ resources: parseResources({ memory: { limit: 1 << 20, swap: 1 << 21 } }), controllers: ["memory"], skipDevices: true });
    applyWrites("/c", lower.writes, k);
    expect(k.log.slice(2)).toEqual([`memory.limit_in_bytes=${1 << 20}`, `memory.memsw.limit_in_bytes=${1 << 21}`]);
  });

  test("v1 cpu: a period refused before the quota is retried after it", () => {
    // The parent allows 50% (quota/period ≤ 0.5); the cgroup holds 50000/100000.
    const state = { quota: 50000, period: 100000 };
    const k = kernel((file, value) => {
      const v = Number(value);
      if (file === "cpu.cfs_period_us" && state.quota / v > 0.5) return "EINVAL";
      if (file === "cpu.cfs_quota_us" && v / state.period > 0.5) return "EINVAL";
      if (file === "cpu.cfs_period_us") state.period = v;
      if (file === "cpu.cfs_quota_us") state.quota = v;
      return undefined;
    });
    const plan = planV1({ resources: parseResources({ cpu: { quota: 10000, period: 20000 } }), controllers: ["cpu"], skipDevices: true });
    applyWrites("/c", plan.writes, k);
    expect(k.log).toEqual(["cpu.cfs_quota_us=10000", "cpu.cfs_period_us=20000"]);
    expect(state).toEqual({ quota: 10000, period: 20000 });
  });

  test("a retried write that fails again reports its own error", () => {
    const k = kernel((file) => (file === "cpu.cfs_period_us" ? "EINVAL" : undefined));
    const plan = planV1({ resources: parseResources({ cpu: { quota: 10000, period: 20000 } }), controllers: ["cpu"], skipDevices: true });
    expect(caught(() => applyWrites("/c", plan.writes, k)).message).toBe('write "20000" to /c/cpu.cfs_period_us: EINVAL');
    expect(k.log).toEqual(["cpu.cfs_quota_us=10000"]);
  });

  test("an error other than EINVAL is not retried", () => {
    const k = kernel((file) => (file === "cpu.cfs_period_us" ? "EPERM" : undefined));
    const plan = planV1({ resources: parseResources({ cpu: { quota: 10000, period: 20000 } }), controllers: ["cpu"], skipDevices: true });
    expect(caught(() => applyWrites("/c", plan.writes, k)).details.errno).toBe("EPERM");
    expect(k.log).toEqual([]);
  });

  test("v2 cpu.max.burst waits for cpu.max when the kernel wants it", () => {
    let quota = 0;
    const k = kernel((file, value) => {
      if (file === "cpu.max") quota = Number(value.split(" ")[0]);
      if (file === "cpu.max.burst" && Number(value) > quota) return "EINVAL";
      return undefined;
    });
    const plan = planV2({ resources: parseResources({ cpu: { quota: 50000, burst: 20000 } }), controllers: ["cpu"], where: "x", skipDevices: true });
    applyWrites("/c", plan.writes, k);
    expect(k.log).toEqual(["cpu.max=50000 100000", "cpu.max.burst=20000"]);
  });

  test("v1 writes go to each controller's own hierarchy", () => {
    const k = kernel(() => undefined);
    const paths: string[] = [];
    const plan = planV1({ resources: parseResources({ memory: { limit: 4096 }, pids: { limit: 3 } }), controllers: ["memory", "pids"], skipDevices: true });
    applyWrites((c) => join("/sys/fs/cgroup", c, "box"), plan.writes, { writeFile: (p, v) => (paths.push(p), k.writeFile(p, v)) });
    expect(paths).toEqual(["/sys/fs/cgroup/memory/box/memory.limit_in_bytes", "/sys/fs/cgroup/pids/box/pids.max"]);
  });
});
