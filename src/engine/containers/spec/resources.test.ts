import { expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { SkiffError } from "../../../common/errors.ts";
import { checkResources, linuxResources, RLIM_INFINITY, rlimits } from "./resources.ts";

const M = 1024 * 1024;
const base = { memory: { disableOOMKiller: false }, cpu: { shares: 0 }, blockIO: { weight: 0 } };

test.each([
  ["nothing set: dockerd's zero values", {}, base],
  ["--memory alone: swap twice the memory", { memory: 64 * M }, { ...base, memory: { limit: 64 * M, swap: 128 * M, disableOOMKiller: false } }],
  ["--memory-swap -1: no swap limit", { memory: 64 * M, memorySwap: -1 }, { ...base, memory: { limit: 64 * M, disableOOMKiller: false } }],
  ["--memory-swap equal to --memory: no swap", { memory: 64 * M, memorySwap: 64 * M }, { ...base, memory: { limit: 64 * M, swap: 64 * M, disableOOMKiller: false } }],
  ["--cpus 1.5: quota over a 100 ms period", { nanoCpus: 1.5e9 }, { ...base, cpu: { shares: 0, quota: 150000, period: 100000 } }],
  ["--cpus 0.5", { nanoCpus: 5e8 }, { ...base, cpu: { shares: 0, quota: 50000, period: 100000 } }],
  ["--cpu-shares and --cpuset-cpus", { cpuShares: 512, cpusetCpus: "0-1,3" }, { ...base, cpu: { shares: 512, cpus: "0-1,3" } }],
  ["--memory-reservation, --memory-swappiness, --oom-kill-disable", { memory: 64 * M, memoryReservation: 32 * M, memorySwappiness: 10, oomKillDisable: true }, { ...base, memory: { limit: 64 * M, swap: 128 * M, reservation: 32 * M, swappiness: 10, disableOOMKiller: true } }],
  ["--cpu-quota and --cpu-period as given; --cpuset-mems", { cpuQuota: 50000, cpuPeriod: 200000, cpusetMems: "0" }, { ...base, cpu: { shares: 0, quota: 50000, period: 200000, mems: "0" } }],
  ["--pids-limit 100", { pidsLimit: 100 }, { ...base, pids: { limit: 100 } }],
  ["--pids-limit -1 is no limit", { pidsLimit: -1 }, base],
] as const)("%s", (_, o, want) => {
  expect(linuxResources(o, () => "0-63", () => "0")).toEqual(want as never);
});

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return `${(e as SkiffError).code}: ${(e as SkiffError).message}`;
  }
  return "no error";
};

const CPUS = availableParallelism();

test.each([
  [{ memory: 1 * M }, "ENGINE_INVALID_RESOURCES: --memory: Minimum memory limit allowed is 6MB"],
  [{ memorySwap: 64 * M }, "ENGINE_INVALID_RESOURCES: --memory-swap: set without --memory"],
  [{ memory: 64 * M, memorySwap: 32 * M }, `ENGINE_INVALID_RESOURCES: --memory-swap: ${32 * M} is below --memory ${64 * M}`],
  [{ nanoCpus: 1e6 }, `ENGINE_INVALID_RESOURCES: --cpus: Range of CPUs is from 0.01 to ${CPUS}.00, as there are only ${CPUS} CPUs available`],
  [{ cpusetCpus: "0-" }, 'ENGINE_INVALID_RESOURCES: --cpuset-cpus: "0-" is not a list of CPUs'],
  // dockerd refuses what the kernel would clamp (a new-user trial: skiffd clamped 1 to 2 without a word)
  [{ cpuShares: 1 }, "ENGINE_INVALID_RESOURCES: --cpu-shares: the minimum allowed cpu-shares is 2"],
  [{ cpuShares: 1_000_000 }, "ENGINE_INVALID_RESOURCES: --cpu-shares: the maximum allowed cpu-shares is 262144"],
  [{ cpusetMems: "5" }, "ENGINE_INVALID_RESOURCES: --cpuset-mems: Requested memory nodes are not available - requested 5, available: 0"],
  [{ cpusetCpus: "3-1" }, 'ENGINE_INVALID_RESOURCES: --cpuset-cpus: "3-1" is not a list of CPUs'],
  // (the kernel's ERANGE from cpuset.cpus at start was all it said)
  [{ cpusetCpus: "9" }, "ENGINE_INVALID_RESOURCES: --cpuset-cpus: Requested CPUs are not available - requested 9, available: 0-1"],
  [{ cpusetCpus: "0,2" }, "ENGINE_INVALID_RESOURCES: --cpuset-cpus: Requested CPUs are not available - requested 0,2, available: 0-1"],
  [{ cpusetCpus: "1-2" }, "ENGINE_INVALID_RESOURCES: --cpuset-cpus: Requested CPUs are not available - requested 1-2, available: 0-1"],
])("refused: %j", (o, want) => {
  expect(code(() => linuxResources(o, () => "0-1", () => "0"))).toBe(want);
});

test("ulimits: one per name, the last given wins, -1 is unlimited", () => {
  expect(rlimits([{ name: "nofile", soft: 1024, hard: 2048 }, { name: "NPROC", soft: 50, hard: 50 }, { name: "nofile", soft: 10, hard: 20 }, { name: "core", soft: -1, hard: -1 }])).toEqual([
    { type: "RLIMIT_NPROC", hard: 50, soft: 50 },
    { type: "RLIMIT_NOFILE", hard: 20, soft: 10 },
    { type: "RLIMIT_CORE", hard: RLIM_INFINITY, soft: RLIM_INFINITY },
  ]);
  expect(code(() => rlimits([{ name: "nofiles", soft: 1, hard: 1 }]))).toStartWith('ENGINE_INVALID_ULIMIT: --ulimit: unknown limit "nofiles"');
  expect(code(() => rlimits([{ name: "nofile", soft: 2, hard: 1 }]))).toBe("ENGINE_INVALID_ULIMIT: --ulimit nofile: soft limit 2 is above the hard limit 1");
  expect(code(() => rlimits([{ name: "nofile", soft: -1, hard: 5 }]))).toBe("ENGINE_INVALID_ULIMIT: --ulimit nofile: soft limit -1 is above the hard limit 5");
  // found by the fuzzer: a limit past int64 reached the config, which the runtime refused
  expect(code(() => rlimits([{ name: "nofile", soft: 0, hard: 1e308 }]))).toBe("ENGINE_INVALID_ULIMIT: --ulimit nofile: 0:1e+308 is not a pair of limits");
  expect(code(() => rlimits([{ name: "nofile", soft: 1.5, hard: 2 }]))).toBe("ENGINE_INVALID_ULIMIT: --ulimit nofile: 1.5:2 is not a pair of limits");
});

test("--cpus above the host's CPUs is refused in dockerd's words", () => {
  expect(() => checkResources({ nanoCpus: 3e9 }, 2)).toThrow("--cpus: Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
  expect(() => checkResources({ nanoCpus: 2e9 }, 2)).not.toThrow();
});

test("--cpuset-cpus is checked range by range: a range across several online ones is taken, a huge one answered at once", () => {
  expect(() => checkResources({ cpusetCpus: "0-5,9" }, 16, () => "0-2,3-7,8-9")).not.toThrow();
  expect(() => checkResources({ cpusetCpus: "0-5,9" }, 16, () => "0-2,4-9")).toThrow("requested 0-5,9");
  // (they were expanded CPU by CPU: an API body's 1024 bytes held 128 ranges of 65536, and a
  // longer range was called "not a list of CPUs")
  const t0 = performance.now();
  expect(() => checkResources({ cpusetCpus: Array(100).fill("0-4000000000").join(",") }, 2, () => "0-1")).toThrow("Requested CPUs are not available");
  expect(performance.now() - t0).toBeLessThan(50);
});
