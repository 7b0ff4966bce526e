// The block I/O options: the host's support read from its cgroup files (a v1 blkio tree, a v2 io
// controller, BFQ's weights), and the options' devices turned into the kernel's numbers.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isSkiffError } from "../../../common/errors.ts";
import { blockIo, probeBlkioSupport } from "./blkio.ts";

const dir = `/tmp/skiff-test-${process.pid}/blkio`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(name: string, files: string[]): string {
  const d = `${dir}/${name}`;
  mkdirSync(d, { recursive: true });
  for (const f of files) writeFileSync(`${d}/${f}`, "");
  return d;
}

test("v1: the throttle files the blkio tree has; weights with blkio.weight (CFQ) or BFQ on some device", () => {
  const throttles = ["blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"];
  const noWeight = tree("v1", throttles);
  const layout = (mountpoint: string) => ({ mode: "v1" as const, hierarchies: [{ key: "blkio", version: 1 as const, mountpoint, current: "/" }] });
  expect(probeBlkioSupport(layout(noWeight), false)).toEqual({ weight: false, weightDevice: false, readBps: true, writeBps: true, readIOps: true, writeIOps: true });
  expect(probeBlkioSupport(layout(noWeight), true)).toMatchObject({ weight: true, weightDevice: true });
  expect(probeBlkioSupport(layout(tree("cfq", ["blkio.weight", "blkio.weight_device"])), false)).toEqual({ weight: true, weightDevice: true, readBps: false, writeBps: false, readIOps: false, writeIOps: false });
});

test("v2: everything with the io controller, nothing without", () => {
  const layout = (mountpoint: string) => ({ mode: "v2" as const, hierarchies: [{ key: "", version: 2 as const, mountpoint, current: "/" }] });
  const withIo = tree("v2-io", []);
  writeFileSync(`${withIo}/cgroup.controllers`, "cpuset cpu io memory pids\n");
  const without = tree("v2-none", []);
  writeFileSync(`${without}/cgroup.controllers`, "cpu memory pids\n");
  expect(Object.values(probeBlkioSupport(layout(withIo), false)).every(Boolean)).toBe(true);
  expect(Object.values(probeBlkioSupport(layout(without), false)).some(Boolean)).toBe(false);
});

test("devices: a block device's numbers as the kernel has them; a missing path or another kind of file is refused, naming the flag", () => {
  // any block device of this host, with the numbers sysfs gives it
  const name = readdirSync("/sys/block").find((b) => existsSync(`/dev/${b}`));
  if (name) {
    const [major, minor] = readFileSync(`/sys/block/${name}/dev`, "utf8").trim().split(":").map(Number);
    expect(blockIo({ readBps: [{ path: `/dev/${name}`, rate: 1048576 }], weight: 300 })).toEqual({ weight: 300, throttleReadBpsDevice: [{ major, minor, rate: 1048576 }] });
  }
  expect(blockIo(undefined)).toEqual({ weight: 0 });
  for (const [path, words] of [["/dev/null", "not a block device"], ["/nonexistent-blk", "no such file or directory"]] as const) {
    let error: unknown;
    try {
      blockIo({ writeIOps: [{ path, rate: 10 }] });
    } catch (e) {
      error = e;
    }
    expect(isSkiffError(error) && error.message).toBe(`--device-write-iops ${path}: ${words === "not a block device" ? words : `stat ${path}: ${words}`}`);
  }
});
