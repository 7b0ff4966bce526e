import { describe, expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import { parseResources } from "./resources.ts";
import { planV1 } from "./v1.ts";

const ALL = ["cpuset", "cpu", "cpuacct", "memory", "devices", "pids", "blkio", "hugetlb", "net_cls", "net_prio", "rdma", "freezer"];

/** The writes for `raw`, without the device rules every plan carries, as "controller:file=value". */
const writes = (raw: unknown, controllers = ALL) =>
  planV1({ resources: parseResources(raw), controllers, skipDevices: true }).writes.map((w) => `${w.controller}:${w.file}=${w.value}`);

describe("planV1", () => {
  test.each<[string, unknown, string[]]>([
    ["memory limit", { memory: { limit: 1048576 } }, ["memory:memory.limit_in_bytes=1048576"]],
    ["memory limit and swap", { memory: { limit: 1048576, swap: 2097152 } }, ["memory:memory.limit_in_bytes=1048576", "memory:memory.memsw.limit_in_bytes=2097152"]],
    ["unlimited memory makes memsw unlimited", { memory: { limit: -1 } }, ["memory:memory.limit_in_bytes=-1", "memory:memory.memsw.limit_in_bytes=-1"]],
    ["reservation", { memory: { reservation: 4096 } }, ["memory:memory.soft_limit_in_bytes=4096"]],
    ["kernel TCP", { memory: { kernelTCP: 8192 } }, ["memory:memory.kmem.tcp.limit_in_bytes=8192"]],
    ["kernel memory is ignored, as runc 1.1", { memory: { kernel: 8192 } }, []],
    ["OOM killer off", { memory: { disableOOMKiller: true } }, ["memory:memory.oom_control=1"]],
    ["OOM killer on leaves the file alone", { memory: { disableOOMKiller: false } }, []],
    ["swappiness 0 is written", { memory: { swappiness: 0 } }, ["memory:memory.swappiness=0"]],
    ["use_hierarchy", { memory: { useHierarchy: true } }, ["memory:memory.use_hierarchy=1"]],
    ["shares", { cpu: { shares: 512 } }, ["cpu:cpu.shares=512"]],
    ["quota and period", { cpu: { quota: 50000, period: 100000 } }, ["cpu:cpu.cfs_period_us=100000", "cpu:cpu.cfs_quota_us=50000"]],
    ["unlimited quota", { cpu: { quota: -1 } }, ["cpu:cpu.cfs_quota_us=-1"]],
    ["burst between period and quota", { cpu: { quota: 50000, period: 100000, burst: 20000 } }, ["cpu:cpu.cfs_period_us=100000", "cpu:cpu.cfs_burst_us=20000", "cpu:cpu.cfs_quota_us=50000"]],
    ["realtime before the rest", { cpu: { shares: 2, realtimeRuntime: 950000, realtimePeriod: 1000000 } }, ["cpu:cpu.rt_period_us=1000000", "cpu:cpu.rt_runtime_us=950000", "cpu:cpu.shares=2"]],
    ["idle", { cpu: { idle: 1 } }, ["cpu:cpu.idle=1"]],
    ["cpuset", { cpu: { cpus: "0-1", mems: "0" } }, ["cpuset:cpuset.cpus=0-1", "cpuset:cpuset.mems=0"]],
    ["pids limit", { pids: { limit: 64 } }, ["pids:pids.max=64"]],
    ["pids -1 is max", { pids: { limit: -1 } }, ["pids:pids.max=max"]],
    ["pids 0 is max", { pids: { limit: 0 } }, ["pids:pids.max=max"]],
    ["blkio weight prefers BFQ", { blockIO: { weight: 300 } }, ["blkio:blkio.bfq.weight=300"]],
    ["leaf weight", { blockIO: { leafWeight: 300 } }, ["blkio:blkio.leaf_weight=300"]],
    [
      "weight devices",
      { blockIO: { weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 200 }] } },
      ["blkio:blkio.bfq.weight_device=8:0 500", "blkio:blkio.leaf_weight_device=8:0 200"],
    ],
    [
      "throttles",
      {
        blockIO: {
          throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 100 }],
          throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 200 }],
          throttleReadIOPSDevice: [{ major: 8, minor: 16, rate: 10 }],
          throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 20 }],
        },
      },
      ["blkio:blkio.throttle.read_bps_device=8:0 100", "blkio:blkio.throttle.write_bps_device=8:0 200", "blkio:blkio.throttle.read_iops_device=8:16 10", "blkio:blkio.throttle.write_iops_device=8:16 20"],
    ],
    ["hugetlb", { hugepageLimits: [{ pageSize: "2MB", limit: 2097152 }] }, ["hugetlb:hugetlb.2MB.limit_in_bytes=2097152", "hugetlb:hugetlb.2MB.rsvd.limit_in_bytes=2097152"]],
    ["net_cls", { network: { classID: 1048577 } }, ["net_cls:net_cls.classid=1048577"]],
    ["net_prio", { network: { priorities: [{ name: "lo", priority: 2 }, { name: "eth0", priority: 5 }] } }, ["net_prio:net_prio.ifpriomap=lo 2", "net_prio:net_prio.ifpriomap=eth0 5"]],
    ["rdma", { rdma: { mlx4_0: { hcaHandles: 2, hcaObjects: 2000 }, mlx4_1: { hcaObjects: 9 } } }, ["rdma:rdma.max=mlx4_0 hca_handle=2 hca_object=2000", "rdma:rdma.max=mlx4_1 hca_object=9"]],
    ["controllers in runc's order", { pids: { limit: 5 }, memory: { limit: 4096 }, cpu: { shares: 100, cpus: "0" } }, ["cpuset:cpuset.cpus=0", "memory:memory.limit_in_bytes=4096", "cpu:cpu.shares=100", "pids:pids.max=5"]],
  ])("%s", (_, raw, expected) => {
    expect(writes(raw)).toEqual(expected);
  });

  test("order-dependent pairs retry after their partner, and knobs some kernels lack are optional", () => {
    const plan = planV1({ resources: parseResources({ memory: { limit: 1 << 20, swap: 1 << 21 }, cpu: { quota: 20000, period: 50000, realtimePeriod: 1000000, realtimeRuntime: 1000 } }), controllers: ALL, skipDevices: true });
    const flags = Object.fromEntries(plan.writes.map((w) => [w.file, { retry: !!w.retryOnEinval, optional: !!w.optional }]));
    expect(flags["memory.limit_in_bytes"]).toEqual({ retry: true, optional: false });
    expect(flags["memory.memsw.limit_in_bytes"]).toEqual({ retry: false, optional: false });
    expect(flags["cpu.cfs_period_us"]).toEqual({ retry: true, optional: false });
    expect(flags["cpu.rt_period_us"]).toEqual({ retry: true, optional: false });
    // Without a partner, a refusal is final.
    const alone = planV1({ resources: parseResources({ memory: { limit: 1 << 20 }, cpu: { period: 50000 } }), controllers: ALL, skipDevices: true });
    expect(alone.writes.every((w) => !w.retryOnEinval)).toBe(true);
    // memsw for "unlimited" is skipped where swap accounting is off; BFQ falls back to blkio.weight.
    expect(planV1({ resources: parseResources({ memory: { limit: -1 } }), controllers: ALL, skipDevices: true }).writes[1]?.optional).toBe(true);
    expect(planV1({ resources: parseResources({ blockIO: { weight: 10 } }), controllers: ALL, skipDevices: true }).writes[0]?.fallback?.file).toBe("blkio.weight");
  });

  test("device rules: deny all, then the config's rules and runc's defaults as exceptions, in the order devices.list shows them (as crun writes)", () => {
    const plan = planV1({
      resources: parseResources({ devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 10, minor: 229, access: "rw" }, { allow: true, type: "c", major: 1, minor: 3, access: "r" }] }),
      controllers: ALL,
    });
    expect(plan.writes.map((w) => `${w.file} ${w.value}`)).toEqual([
      "devices.deny a *:* rwm",
      "devices.allow c 10:229 rw",
      "devices.allow c 1:3 rwm", // the config's "r" merged with the default "rwm", in the config's place
      "devices.allow c *:* m",
      "devices.allow b *:* m",
      "devices.allow c 1:8 rwm",
      "devices.allow c 1:7 rwm",
      "devices.allow c 5:0 rwm",
      "devices.allow c 1:5 rwm",
      "devices.allow c 1:9 rwm",
      "devices.allow c 136:* rwm",
      "devices.allow c 5:2 rwm",
      "devices.allow c 10:200 rwm",
    ]);
  });

  test("an allow-all rule turns the list into deny exceptions", () => {
    const plan = planV1({ resources: parseResources({ devices: [{ allow: true, access: "rwm" }] }), controllers: ALL });
    // The defaults then only re-allow what is allowed already, so no exception is left.
    expect(plan.writes.map((w) => `${w.file} ${w.value}`)).toEqual(["devices.allow a *:* rwm"]);
  });

  test("warns about fields it accepts without applying", () => {
    expect(planV1({ resources: parseResources({ memory: { kernel: 1 << 20 } }), controllers: ALL, skipDevices: true }).warnings[0]).toContain("memory.kernel is ignored");
  });

  test("a controller the host lacks is an error naming the file and the value", () => {
    let err: SkiffError | undefined;
    try {
      planV1({ resources: parseResources({ hugepageLimits: [{ pageSize: "1GB", limit: 1073741824 }] }), controllers: ["cpu", "memory", "devices"] });
    } catch (e) {
      err = e as SkiffError;
    }
    expect(err?.code).toBe("RUNTIME_CGROUP_CONTROLLER_MISSING");
    expect(err?.message).toBe('set hugetlb.1GB.limit_in_bytes to "1073741824" (from linux.resources.hugepageLimits[0]): controller "hugetlb" is not available in the cgroup v1 hierarchies mounted on this host');
  });

  test("unified keys are refused on v1, as runc does", () => {
    expect(() => planV1({ resources: parseResources({ unified: { "memory.high": "1" } }), controllers: ALL })).toThrow("the host uses cgroup v1, which has no unified files (keys: memory.high)");
  });
});
