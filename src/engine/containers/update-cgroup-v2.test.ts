// The limits `docker update` sends a runtime (updateResources), applied as the runtime's update
// applies them (configureCgroup without devices), on a fake cgroup v2 tree: this host runs v1.
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configureCgroup } from "../../runtime/cgroups/configure.ts";
import { makeFakeCgroupfs, type FakeCgroupfs } from "../../runtime/cgroups/fake-cgroupfs.ts";
import { updateResources } from "./update.ts";

let fake: FakeCgroupfs | undefined;
afterEach(() => fake?.remove());

const MiB = 1024 * 1024;

function v2Container() {
  fake = makeFakeCgroupfs({ controllers: ["cpuset", "cpu", "io", "memory", "pids"], swap: true });
  writeFileSync(join(fake.root, "cgroup.subtree_control"), "+cpu +cpuset +memory +pids");
  const dir = fake.mkcgroup("c");
  return { fake, layout: fake.v2Layout(), dir };
}

test("on v2: memory, swap (memory.swap.max is swap less memory), cpus, shares, cpuset and pids land in the container's files; -1 pids is max again", () => {
  const { fake, layout, dir } = v2Container();
  const apply = (o: Parameters<typeof updateResources>[0]) => configureCgroup({ layout, dirs: [dir], resources: updateResources(o), skipDevices: true, where: "the update" });
  apply({ memory: 32 * MiB, pidsLimit: 10 });
  expect([fake.read("c/memory.max"), fake.read("c/memory.swap.max"), fake.read("c/pids.max")]).toEqual([String(32 * MiB), String(32 * MiB), "10"]);
  apply({ memory: 48 * MiB, memorySwap: 96 * MiB, nanoCpus: 5e8, cpuShares: 512, cpusetCpus: "0", pidsLimit: 0 });
  expect(fake.read("c/memory.max")).toBe(String(48 * MiB));
  expect(fake.read("c/memory.swap.max")).toBe(String(48 * MiB));
  expect(fake.read("c/cpu.max")).toBe("50000 100000");
  expect(fake.read("c/cpuset.cpus")).toBe("0");
  expect(fake.read("c/pids.max")).toBe("max");
});
