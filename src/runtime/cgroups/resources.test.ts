import { describe, expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import { parseResources } from "./resources.ts";

const fails = (raw: unknown): SkiffError => {
  try {
    parseResources(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(SkiffError);
    return e as SkiffError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
};

describe("parseResources", () => {
  test("absent resources mean no limits", () => {
    expect(parseResources(undefined)).toEqual({ memory: undefined, cpu: undefined, pids: undefined, blockIO: undefined, hugepageLimits: [], devices: [], network: undefined, rdma: {}, unified: {} });
  });

  test("reads every field of a full config", () => {
    const r = parseResources({
      memory: { limit: 1 << 30, reservation: 1 << 29, swap: 2 * 2 ** 30, kernelTCP: 1 << 20, swappiness: 10, disableOOMKiller: true, useHierarchy: true, checkBeforeUpdate: true },
      cpu: { shares: 1024, quota: 50000, burst: 1000, period: 100000, realtimeRuntime: -1, realtimePeriod: 1000000, cpus: "0-1,3", mems: "0", idle: 0 },
      pids: { limit: 100 },
      blockIO: { weight: 500, leafWeight: 300, weightDevice: [{ major: 8, minor: 0, weight: 600 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
      hugepageLimits: [{ pageSize: "2MB", limit: 1 << 21 }],
      devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "wr" }],
      network: { classID: 0x100001, priorities: [{ name: "eth0", priority: 5 }] },
      rdma: { mlx5_1: { hcaHandles: 3 } },
      unified: { "memory.high": "1000000" },
    });
    expect(r.cpu?.cpus).toBe("0-1,3");
    expect(r.blockIO?.weightDevice).toEqual([{ major: 8, minor: 0, weight: 600, leafWeight: undefined }]);
    // type "a" and wildcards filled in; access normalised to "rwm" order.
    expect(r.devices).toEqual([
      { allow: false, type: "a", major: -1, minor: -1, access: "rwm" },
      { allow: true, type: "c", major: 1, minor: 3, access: "rw" },
    ]);
    expect(r.rdma).toEqual({ mlx5_1: { hcaHandles: 3, hcaObjects: undefined } });
  });

  test.each([
    [{ memory: { limit: "1g" } }, "linux.resources.memory.limit must be an integer"],
    [{ memory: { limit: -2 } }, "linux.resources.memory.limit must be an integer in [-1,"],
    [{ memory: { swappiness: 101 } }, "linux.resources.memory.swappiness must be an integer in [0, 100]"],
    [{ memory: { limit: 2000, swap: 1000 } }, "linux.resources.memory.swap must be at least memory.limit (2000)"],
    [{ memory: { swap: 1000 } }, "linux.resources.memory.limit must be set when memory.swap is"],
    [{ memory: { disableOOMKiller: "yes" } }, "linux.resources.memory.disableOOMKiller must be true or false"],
    [{ cpu: { shares: 1 } }, "linux.resources.cpu.shares must be between 2 and 262144"],
    [{ cpu: { quota: 10 } }, "linux.resources.cpu.quota must be -1 (unlimited) or at least 1000"],
    [{ cpu: { quota: -5 } }, "linux.resources.cpu.quota must be an integer in [-1,"],
    [{ cpu: { period: 5_000_000 } }, "linux.resources.cpu.period must be between 1000 and 1000000"],
    [{ cpu: { cpus: "0-a" } }, "linux.resources.cpu.cpus must be a CPU list"],
    [{ cpu: { idle: 1, shares: 1024 } }, "linux.resources.cpu.shares must be unset when cpu.idle is 1"],
    [{ cpu: { idle: 2 } }, "linux.resources.cpu.idle must be an integer in [0, 1]"],
    [{ pids: { limit: -7 } }, "linux.resources.pids.limit must be an integer in [-1,"],
    [{ blockIO: { weight: 5 } }, "linux.resources.blockIO.weight must be between 10 and 1000"],
    [{ blockIO: { throttleReadBpsDevice: [{ major: 8, rate: 1 }] } }, "linux.resources.blockIO.throttleReadBpsDevice[0].minor must be an integer"],
    [{ blockIO: { weightDevice: {} } }, "linux.resources.blockIO.weightDevice must be an array"],
    [{ hugepageLimits: [{ pageSize: "2M", limit: 1 }] }, 'linux.resources.hugepageLimits[0].pageSize must be a hugepage size like "2MB"'],
    [{ devices: [{ access: "rwm" }] }, "linux.resources.devices[0].allow must be true or false"],
    [{ devices: [{ allow: true, type: "x" }] }, 'linux.resources.devices[0].type must be one of "a", "b", "c"'],
    [{ devices: [{ allow: true, access: "rx" }] }, 'linux.resources.devices[0].access must be letters from "rwm"'],
    [{ devices: [{ allow: true, major: -2 }] }, "linux.resources.devices[0].major must be an integer in [-1,"],
    [{ network: { priorities: [{ name: "eth 0", priority: 1 }] } }, "linux.resources.network.priorities[0].name must be a network interface name"],
    [{ network: { classID: -1 } }, "linux.resources.network.classID must be an integer in [0,"],
    [{ unified: { "memory.high": 5 } }, "linux.resources.unified.memory.high must be a string"],
    ["yes", "linux.resources must be an object"],
  ])("refuses %j", (raw, message) => {
    const e = fails(raw);
    expect(e.code).toBe("RUNTIME_CGROUP_INVALID");
    expect(e.kind).toBe("invalid_argument");
    expect(e.message).toContain(message);
  });
});
