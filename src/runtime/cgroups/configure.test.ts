import { afterEach, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configureCgroup } from "./configure.ts";
import { makeFakeCgroupfs, type FakeCgroupfs } from "./fake-cgroupfs.ts";
import { parseCgroupLayout } from "./hierarchy.ts";

let fake: FakeCgroupfs | undefined;
afterEach(() => fake?.remove());

/** A v2-only host: the fake tree mounted at its root, the container at /a/c. */
function v2Host(): { fake: FakeCgroupfs; layout: ReturnType<typeof parseCgroupLayout>; dir: string } {
  fake = makeFakeCgroupfs({ controllers: ["cpuset", "cpu", "io", "memory", "pids"], swap: true });
  writeFileSync(join(fake.root, "cgroup.subtree_control"), "+cpu +io +memory +pids");
  fake.mkcgroup("a");
  writeFileSync(join(fake.root, "a/cgroup.subtree_control"), "+cpu +io +memory +pids");
  const dir = fake.mkcgroup("a/c");
  return { fake, layout: fake.v2Layout(), dir };
}

test("on v2 the limits land in the container's files, controllers are enabled at every level above it", () => {
  const { fake, layout, dir } = v2Host();
  const out = configureCgroup({ layout, dirs: [dir], resources: { memory: { limit: 1 << 26, swap: 1 << 27 }, cpu: { shares: 1024, quota: 50000, period: 100000 }, pids: { limit: 40 } } });
  expect(fake.read("a/c/memory.max")).toBe(String(1 << 26));
  expect(fake.read("a/c/memory.swap.max")).toBe(String(1 << 26));
  expect(fake.read("a/c/cpu.max")).toBe("50000 100000");
  expect(fake.read("a/c/cpu.weight")).toBe("39");
  expect(fake.read("a/c/pids.max")).toBe("40");
  expect(fake.read("cgroup.subtree_control")).toBe("+cpu +memory +pids");
  expect(fake.read("a/cgroup.subtree_control")).toBe("+cpu +memory +pids");
  expect(out.dir).toBe(dir);
  expect(out.deviceProgram!.length % 8).toBe(0);
});

test("on v2 a controller the parent does not offer is refused, naming the file", () => {
  const { layout, dir } = v2Host();
  expect(() => configureCgroup({ layout, dirs: [dir], resources: { hugepageLimits: [{ pageSize: "2MB", limit: 1 << 21 }] } })).toThrow(/hugetlb/);
});

test("on a v1 host only the v1 hierarchies get writes, and hybrid hosts also get the device program", () => {
  fake = makeFakeCgroupfs({ controllers: [] });
  const root = fake.root;
  const pids = join(root, "pids/c");
  const devices = join(root, "devices/c");
  const unified = join(root, "unified/c");
  for (const d of [pids, devices, unified]) mkdirSync(d, { recursive: true });
  writeFileSync(join(pids, "pids.max"), "max");
  for (const f of ["devices.allow", "devices.deny"]) writeFileSync(join(devices, f), "");
  const layout = parseCgroupLayout(
    `1 0 0:1 / ${root}/pids rw - cgroup cgroup rw,pids\n3 0 0:3 / ${root}/devices rw - cgroup cgroup rw,devices\n2 0 0:2 / ${root}/unified rw - cgroup2 cgroup2 rw`,
    "1:pids:/\n3:devices:/\n0::/\n",
  );
  const out = configureCgroup({ layout, dirs: [pids, devices, unified], resources: { pids: { limit: 9 } }, hybridDeviceProgram: true });
  expect(fake.read("pids/c/pids.max")).toBe("9");
  expect(fake.read("devices/c/devices.deny")).toBe("a *:* rwm"); // the fake keeps each file's last write
  expect(out.dir).toBe(unified);
  expect(out.deviceProgram).toBeDefined();
});
