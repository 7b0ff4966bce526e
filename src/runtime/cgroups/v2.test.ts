import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import { applyWrites } from "./apply.ts";
import { makeFakeCgroupfs, type FakeCgroupfs } from "./fake-cgroupfs.ts";
import { parseResources } from "./resources.ts";
import { cpuWeightFromShares, ioWeightFromBlkio, planV2, subtreeControlWrite } from "./v2.ts";

const ALL = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"];
const plan = (raw: unknown, controllers = ALL, extra = {}) => planV2({ resources: parseResources(raw), controllers, where: "/sys/fs/cgroup/cgroup.controllers", skipDevices: true, ...extra });
const writes = (raw: unknown) => plan(raw).writes.map((w) => `${w.file}=${w.value}`);
const caught = (f: () => unknown): SkiffError => {
  try {
    f();
  } catch (e) {
    return e as SkiffError;
  }
  throw new Error("expected an error");
};

describe("v1 → v2 conversions (runc's formulas)", () => {
  test.each([
    [2, 1],
    [1024, 39],
    [512, 20],
    [262144, 10000],
  ])("cpu.shares %d → cpu.weight %d", (shares, weight) => expect(cpuWeightFromShares(shares)).toBe(weight));
  test.each([
    [10, 1],
    [100, 910],
    [500, 4950],
    [1000, 10000],
  ])("blkio weight %d → io.weight %d", (blkio, weight) => expect(ioWeightFromBlkio(blkio)).toBe(weight));
});

describe("planV2", () => {
  test.each<[string, unknown, string[]]>([
    ["memory limit; unlimited swap stays unset", { memory: { limit: 1048576 } }, ["memory.max=1048576"]],
    ["swap is memory+swap minus memory", { memory: { limit: 1048576, swap: 3145728 } }, ["memory.swap.max=2097152", "memory.max=1048576"]],
    ["swap equal to memory disables swap", { memory: { limit: 1048576, swap: 1048576 } }, ["memory.swap.max=0", "memory.max=1048576"]],
    ["unlimited memory and swap", { memory: { limit: -1, swap: -1 } }, ["memory.swap.max=max", "memory.max=max"]],
    ["unlimited memory makes swap unlimited", { memory: { limit: -1 } }, ["memory.swap.max=max", "memory.max=max"]],
    ["reservation is memory.low", { memory: { reservation: 4096 } }, ["memory.low=4096"]],
    ["shares → weight", { cpu: { shares: 1024 } }, ["cpu.weight=39"]],
    ["quota and period", { cpu: { quota: 50000, period: 200000 } }, ["cpu.max=50000 200000"]],
    ["quota alone gets the default period", { cpu: { quota: 50000 } }, ["cpu.max=50000 100000"]],
    ["unlimited quota", { cpu: { quota: -1, period: 100000 } }, ["cpu.max=max 100000"]],
    ["period alone", { cpu: { period: 50000 } }, ["cpu.max=max 50000"]],
    ["burst before cpu.max", { cpu: { quota: 50000, burst: 10000 } }, ["cpu.max.burst=10000", "cpu.max=50000 100000"]],
    ["idle", { cpu: { idle: 1 } }, ["cpu.idle=1"]],
    ["cpuset", { cpu: { cpus: "1", mems: "0" } }, ["cpuset.cpus=1", "cpuset.mems=0"]],
    ["pids", { pids: { limit: 10 } }, ["pids.max=10"]],
    ["pids -1", { pids: { limit: -1 } }, ["pids.max=max"]],
    ["io weight prefers BFQ's own scale", { blockIO: { weight: 500 } }, ["io.bfq.weight=500"]],
    ["weight devices only through BFQ", { blockIO: { weightDevice: [{ major: 8, minor: 0, weight: 300 }] } }, ["io.bfq.weight=8:0 300"]],
    [
      "throttles merge into one io.max line per device",
      {
        blockIO: {
          throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
          throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
          throttleReadIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
          throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }],
        },
      },
      ["io.max=8:0 rbps=1048576 wbps=2097152 wiops=max", "io.max=8:16 riops=100"],
    ],
    ["hugetlb", { hugepageLimits: [{ pageSize: "1GB", limit: 1073741824 }] }, ["hugetlb.1GB.max=1073741824", "hugetlb.1GB.rsvd.max=1073741824"]],
    ["rdma", { rdma: { mlx4_0: { hcaHandles: 1, hcaObjects: 2 } } }, ["rdma.max=mlx4_0 hca_handle=1 hca_object=2"]],
    ["unified last, one write per line", { memory: { limit: 4096 }, unified: { "memory.high": "2048", "io.max": "8:0 rbps=1\n8:16 wbps=2\n" } }, ["memory.max=4096", "memory.high=2048", "io.max=8:0 rbps=1", "io.max=8:16 wbps=2"]],
    ["runc's controller order", { cpu: { cpus: "0", shares: 2 }, memory: { limit: 4096 }, pids: { limit: 3 } }, ["pids.max=3", "memory.max=4096", "cpu.weight=1", "cpuset.cpus=0"]],
  ])("%s", (_, raw, expected) => expect(writes(raw)).toEqual(expected));

  test("lists the controllers to enable, in the kernel's order", () => {
    expect(plan({ pids: { limit: 1 }, memory: { limit: 4096 }, cpu: { shares: 100 }, unified: { "cgroup.max.depth": "2" } }).enable).toEqual(["cpu", "memory", "pids"]);
    expect(subtreeControlWrite(["cpu", "memory"]).value).toBe("+cpu +memory");
  });

  test("fields without a v2 equivalent are warnings, as runc ignores them", () => {
    const p = plan({ memory: { swappiness: 60, disableOOMKiller: true }, cpu: { realtimeRuntime: 100 }, network: { classID: 1 } });
    expect(p.writes).toEqual([]);
    expect(p.warnings.length).toBe(4);
  });

  test("a controller missing from the parent is an error naming the file and the value", () => {
    const e = caught(() => plan({ cpu: { quota: 50000, period: 100000 } }, ["memory", "pids"]));
    expect(e.code).toBe("RUNTIME_CGROUP_CONTROLLER_MISSING");
    expect(e.message).toBe('set cpu.max to "50000 100000" (from linux.resources.cpu.quota): controller "cpu" is not available in /sys/fs/cgroup/cgroup.controllers');
  });

  test.each([
    ["cgroup.procs", "1"],
    ["cgroup.subtree_control", "+cpu"],
    ["nosuch.max", "1"],
    ["memory", "1"],
    ["../memory.max", "1"],
  ])("refuses the unified key %s", (key, value) => {
    const e = caught(() => plan({ unified: { [key]: value } }));
    expect(e.code).toBe("RUNTIME_CGROUP_INVALID");
    expect(e.message).toContain(`apply linux.resources.unified.${key}: "${key}" is not a file`);
  });

  test("a unified key of a controller the parent lacks names the controller", () => {
    expect(caught(() => plan({ unified: { "hugetlb.2MB.max": "0" } }, ["memory"])).message).toContain('set hugetlb.2MB.max to "0" (from linux.resources.unified.hugetlb.2MB.max): controller "hugetlb"');
  });

  test("memory.checkBeforeUpdate refuses a limit at or below current usage", () => {
    const raw = { memory: { limit: 1000000, checkBeforeUpdate: true } };
    expect(caught(() => plan(raw, ALL, { memoryUsage: 1000000 })).message).toBe('set memory.max to "1000000": the container already uses 1000000 bytes');
    expect(plan(raw, ALL, { memoryUsage: 999999 }).writes.length).toBe(1);
    expect(plan({ memory: { limit: 1000000 } }, ALL, { memoryUsage: 2000000 }).writes.length).toBe(1);
  });

  test("includes a device program unless told to skip devices", () => {
    const p = planV2({ resources: parseResources({}), controllers: ALL, where: "x" });
    expect(p.deviceProgram?.length).toBeGreaterThan(0);
    expect(p.deviceProgram!.length % 8).toBe(0);
  });
});

describe("on a fake cgroup v2 tree", () => {
  let fake: FakeCgroupfs | undefined;
  afterEach(() => fake?.remove());

  /** What the runtime does: enable in every ancestor, make the cgroup, write the limits. */
  const setUp = (raw: unknown, options: { controllers?: string[]; bfq?: boolean; swap?: boolean } = {}) => {
    fake = makeFakeCgroupfs({ controllers: options.controllers ?? ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"], bfq: options.bfq, swap: options.swap });
    const f = fake;
    const available = f.read("cgroup.controllers").trim().split(" ");
    const p = planV2({ resources: parseResources(raw), controllers: available, where: join(f.root, "cgroup.controllers"), skipDevices: true });
    applyWrites(f.root, [subtreeControlWrite(p.enable)]);
    f.mkcgroup("skiff");
    applyWrites(join(f.root, "skiff"), [subtreeControlWrite(p.enable)]);
    const dir = f.mkcgroup("skiff/c1");
    applyWrites(dir, p.writes);
    return (file: string) => f.read(`skiff/c1/${file}`);
  };

  test("writes every converted limit where the kernel would read it", () => {
    const read = setUp({ memory: { limit: 268435456, swap: 536870912, reservation: 134217728 }, cpu: { shares: 1024, quota: 25000, period: 50000, cpus: "0", mems: "0" }, pids: { limit: 32 }, hugepageLimits: [{ pageSize: "2MB", limit: 0 }] }, { swap: true });
    expect([read("memory.max"), read("memory.swap.max"), read("memory.low")]).toEqual(["268435456", "268435456", "134217728"]);
    expect([read("cpu.weight"), read("cpu.max"), read("cpuset.cpus"), read("pids.max"), read("hugetlb.2MB.max")]).toEqual(["39", "25000 50000", "0", "32", "0"]);
    expect(fake!.read("skiff/cgroup.subtree_control")).toBe("+cpuset +cpu +memory +hugetlb +pids");
  });

  test("falls back to io.weight without BFQ, and skips what the kernel lacks where runc does", () => {
    // No BFQ: converted io.weight, per-device weights dropped. No swap accounting: "max" skipped.
    // No hugetlb.*.rsvd.max files in the fake: skipped.
    const read = setUp({ blockIO: { weight: 100, weightDevice: [{ major: 8, minor: 0, weight: 200 }] }, memory: { limit: -1 }, hugepageLimits: [{ pageSize: "1GB", limit: 0 }] });
    expect(read("io.weight")).toBe("910");
    expect(read("memory.max")).toBe("max");
  });

  test("uses io.bfq.weight when the kernel has it", () => {
    const read = setUp({ blockIO: { weight: 100 } }, { bfq: true });
    expect([read("io.bfq.weight"), read("io.weight")]).toEqual(["100", "default 100"]);
  });

  test("a file the cgroup lacks fails naming the path and the value", () => {
    fake = makeFakeCgroupfs({ controllers: ["memory"] });
    const dir = fake.mkcgroup("c2"); // nothing enabled in the root: the cgroup has no memory.max
    const e = caught(() => applyWrites(dir, plan({ memory: { limit: 4096 } }).writes));
    expect(e.code).toBe("RUNTIME_CGROUP_WRITE_FAILED");
    expect(e.message).toBe(`write "4096" to ${join(dir, "memory.max")}: ENOENT`);
    expect(e.hint).toContain("is the memory controller enabled for this cgroup");
  });

  test("a swap limit without swap accounting is an error, not skipped", () => {
    expect(() => setUp({ memory: { limit: 1024, swap: 4096 } })).toThrow("memory.swap.max: ENOENT");
  });
});
