import { expect, test } from "bun:test";
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { newRunState, type ContainerRecord } from "./record.ts";
import { updatedOptions, updateResources, type ContainerUpdate } from "./update.ts";

const MiB = 1024 * 1024;
const record = (options: ContainerRecord["options"]): ContainerRecord =>
  ({ id: "x".repeat(64), name: "c", image: "busybox", imageId: "sha256:x", created: "", imageConfig: { ExposedPorts: [], Env: [], Volumes: [], Labels: {} }, options, path: "sh", args: [], hostname: "h", runtime: "skiff", files: {} as ContainerRecord["files"], state: newRunState(), restartCount: 0 }) as unknown as ContainerRecord;

test("limits change, the rest stays; the swap in force is kept when only the memory changes", () => {
  const o = updatedOptions(record({ memory: 32 * MiB, cpuShares: 512, pidsLimit: 10 }), { memory: 48 * MiB, pidsLimit: 20 });
  expect(o).toMatchObject({ memory: 48 * MiB, memorySwap: 64 * MiB, cpuShares: 512, pidsLimit: 20 });
  expect(updatedOptions(record({}), { memory: 64 * MiB, memorySwap: -1 })).toMatchObject({ memory: 64 * MiB, memorySwap: -1 });
  expect(updatedOptions(record({ memory: 32 * MiB, memorySwap: -1 }), { memory: 64 * MiB })).toMatchObject({ memory: 64 * MiB, memorySwap: -1 });
  expect(updatedOptions(record({ pidsLimit: 5 }), { pidsLimit: -1 }).pidsLimit).toBe(0);
  expect(updatedOptions(record({}), { nanoCpus: 5e8, cpusetCpus: "0" })).toMatchObject({ nanoCpus: 5e8, cpusetCpus: "0" });
});

test("dockerd's refusals: below 6 MB, memory above the swap in force (none: dockerd 20.10 refuses -m alone on a container without a limit), swap below memory, swap without memory, a policy on a --rm container", () => {
  expect(() => updatedOptions(record({}), { memory: 1 * MiB })).toThrow("Minimum memory limit allowed is 6MB");
  expect(() => updatedOptions(record({}), { memory: 64 * MiB })).toThrow("Memory limit should be smaller than already set memoryswap limit");
  expect(() => updatedOptions(record({ memory: 32 * MiB }), { memory: 100 * MiB })).toThrow("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
  expect(updatedOptions(record({ memory: 32 * MiB }), { memory: 100 * MiB, memorySwap: 200 * MiB })).toMatchObject({ memory: 100 * MiB, memorySwap: 200 * MiB });
  expect(() => updatedOptions(record({ memory: 32 * MiB }), { memorySwap: 16 * MiB })).toThrow("Minimum memoryswap limit should be larger than memory limit, see usage");
  expect(() => updatedOptions(record({}), { memorySwap: 16 * MiB })).toThrow("You should always set the Memory limit when using Memoryswap limit, see usage");
  expect(() => updatedOptions(record({ autoRemove: true }), { restartPolicy: { name: "always", maximumRetryCount: 0 } })).toThrow("Restart policy cannot be updated because AutoRemove is enabled for the container");
  expect(() => updatedOptions(record({}), { restartPolicy: { name: "always", maximumRetryCount: 2 } })).toThrow("maximum retry count cannot be used with restart policy 'always'");
  expect(updatedOptions(record({}), { restartPolicy: { name: "on-failure", maximumRetryCount: 2 } }).restartPolicy).toEqual({ name: "on-failure", maximumRetryCount: 2 });
});

test("the runtime gets every limit, and an unlimited pids count as -1 (so an old limit is lifted)", () => {
  expect(updateResources({ pidsLimit: -1 }).pids).toEqual({ limit: -1 });
  expect(updateResources({ pidsLimit: 50, memory: 64 * MiB })).toMatchObject({ pids: { limit: 50 }, memory: { limit: 64 * MiB, swap: 128 * MiB } });
});

test("any update of any container: new options that make valid limits, or a refusal as an engine error with a hint; never another error (seeded)", () => {
  const size = fc.oneof(fc.constantFrom(0, -1, -2, 1, 6 * MiB, 32 * MiB, 64 * MiB, 2 ** 53), fc.integer({ min: -1, max: 2 ** 40 }));
  const opts = fc.record({ memory: fc.option(size, { nil: undefined }), memorySwap: fc.option(size, { nil: undefined }), pidsLimit: fc.option(fc.integer({ min: -5, max: 1000 }), { nil: undefined }), autoRemove: fc.boolean() }, { requiredKeys: [] });
  const change = fc.record({
    memory: fc.option(size, { nil: undefined }),
    memorySwap: fc.option(size, { nil: undefined }),
    nanoCpus: fc.option(fc.constantFrom(0, 1, 1e7, 5e8, 1e9, 1e12), { nil: undefined }),
    cpuShares: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: undefined }),
    cpusetCpus: fc.option(fc.constantFrom("", "0", "0-1", "x", "0,,1"), { nil: undefined }),
    pidsLimit: fc.option(fc.integer({ min: -5, max: 1000 }), { nil: undefined }),
    restartPolicy: fc.option(fc.record({ name: fc.constantFrom("no", "always", "on-failure", "unless-stopped", "", "sometimes") as never, maximumRetryCount: fc.integer({ min: -2, max: 5 }) }), { nil: undefined }),
  }, { requiredKeys: [] });
  const r = fc.check(
    fc.property(opts, change, (o, u) => {
      try {
        const out = updatedOptions(record(o as ContainerRecord["options"]), u as ContainerUpdate);
        updateResources(out);
        if (out.memorySwap && out.memorySwap > 0 && out.memory && out.memorySwap < out.memory) return false;
      } catch (e) {
        if (!isSkiffError(e) || e.layer !== "engine" || !e.hint) throw e;
      }
      return true;
    }),
    { seed: 3, numRuns: 400 },
  );
  if (r.failed) throw new Error(`seed ${r.seed} path ${r.counterexamplePath}: ${JSON.stringify(r.counterexample)}`);
});
