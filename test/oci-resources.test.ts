// linux.resources on this host's cgroups (v1 controllers, hybrid), read back from inside the
// container and compared with the same bundle under runc. v2 is covered on a fake cgroupfs in
// src/runtime/cgroups.
import { expect, test } from "bun:test";
import { blkioWeightFile, cgroupV1Files, diskDevice, impossibleCpu } from "./harness/cgroup-probe.ts";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { bundleFactory, oci, runBundle, SKIFF_OCI, type RuntimeName } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);

// What the kernel offers differs between hosts: ask for a blkio weight only where a weight file
// exists (else a throttle, which every blkio controller has), swap only with swap accounting.
const weightFile = blkioWeightFile();
const disk = diskDevice();
const throttle = !weightFile && disk && cgroupV1Files("blkio").has("blkio.throttle.read_bps_device");
const blockIO = weightFile ? { weight: 300 } : throttle ? { throttleReadBpsDevice: [{ major: Number(disk.split(":")[0]), minor: Number(disk.split(":")[1]), rate: 1 << 20 }] } : undefined;

const FILES = [
  "memory/memory.limit_in_bytes", "memory/memory.soft_limit_in_bytes", "memory/memory.swappiness", "memory/memory.oom_control",
  "cpu/cpu.shares", "cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us", "cpuset/cpuset.cpus", "cpuset/cpuset.mems",
  "pids/pids.max", ...(weightFile ? [`blkio/${weightFile}`] : []), ...(throttle ? ["blkio/blkio.throttle.read_bps_device"] : []), "devices/devices.list",
].filter((f) => cgroupV1Files(f.split("/")[0]!).has(f.split("/")[1]!));

/** The files above as the container reads them; devices.list sorted: runc 1.1 lists the rules in
 * its own order, skiff-oci in crun's (checked below). */
function read(runtime: RuntimeName, resources: unknown, extra = ""): { code: number; out: string } {
  const b = bundle(["sh", "-c", `cd /sys/fs/cgroup; for f in ${FILES.join(" ")}; do echo "== $f"; if [ $f = devices/devices.list ]; then sort $f; else cat $f; fi 2>&1; done; ${extra}`], (c) => (c.linux.resources = resources));
  const r = runBundle(runtime, b);
  return { code: r.code, out: r.stdout + r.stderr };
}

test.each([
  ["no resources (the default device rules)", undefined],
  ["memory, cpu, cpuset, pids, blkio", { memory: { limit: 64 << 20, reservation: 32 << 20, swappiness: 10 }, cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0", mems: "0" }, pids: { limit: 30 }, blockIO }],
  ["device rules with an extra allow", { devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 10, minor: 200, access: "rw" }] }],
  ["the OOM killer turned off", { memory: { limit: 32 << 20, disableOOMKiller: true } }],
])("%s: the cgroup reads as under runc", (_, resources) => {
  const skiff = read("skiff", resources);
  expect(skiff).toEqual(read("runc", resources));
  expect(skiff.code).toBe(0);
});

test("devices.list shows the config's rules first, in their order, then the default rules, as crun writes them", () => {
  const devices = [
    { allow: false, access: "rwm" },
    { allow: true, type: "c", major: 10, minor: 229, access: "rwm" },
    { allow: true, type: "b", major: 8, minor: 20, access: "rw" },
    { allow: true, type: "b", major: 10, minor: 200, access: "r" },
  ];
  const b = bundle(["cat", "/sys/fs/cgroup/devices/devices.list"], (c) => (c.linux.resources = { devices }));
  const r = runBundle("skiff", b);
  expect(r.stdout.split("\n").slice(0, 5)).toEqual(["c 10:229 rwm", "b 8:20 rw", "b 10:200 r", "c *:* m", "b *:* m"]);
});

test("a device the config creates is opened only if linux.resources.devices allows it, as under runc", () => {
  const script = "head -c 1 /dev/fuse >/dev/null; echo open=$?; grep -c '^c 10:229 ' /sys/fs/cgroup/devices/devices.list";
  const out = (runtime: RuntimeName, rules: unknown[]) => {
    const b = bundle(["sh", "-c", script], (c) => {
      c.linux.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666 }];
      c.linux.resources = { devices: rules };
    });
    const r = runBundle(runtime, b);
    return `${r.stdout}${r.stderr}`;
  };
  const denied = out("skiff", [{ allow: false, access: "rwm" }]);
  expect(denied).toBe(out("runc", [{ allow: false, access: "rwm" }]));
  expect(denied).toBe("open=1\n0\nhead: /dev/fuse: Operation not permitted\n");
  const allowed = [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 10, minor: 229, access: "rwm" }];
  expect(out("skiff", allowed)).toBe(out("runc", allowed));
});

test("the pids limit holds", () => {
  const r = read("skiff", { pids: { limit: 5 } }, "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done 2>&1 | head -1; echo spawned");
  expect(r.out).toMatch(/can't fork|Resource temporarily unavailable/);
});

test("a value the kernel refuses names the file and the value, and leaves no cgroup", () => {
  const cpus = `0-${impossibleCpu()}`;
  const b = bundle(["true"], (c) => (c.linux.resources = { cpu: { cpus } }));
  const r = oci("skiff", ["create", "--bundle", b.dir, b.id]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^runtime: write "${cpus}" to /sys/fs/cgroup/cpuset/.*/cpuset\\.cpus: (EINVAL|ERANGE)`));
});

test("a wrong type in linux.resources is refused before anything is made", () => {
  const b = bundle(["true"], (c) => (c.linux.resources = { memory: { limit: "lots" } }));
  const r = oci("skiff", ["create", "--bundle", b.dir, b.id]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/linux\.resources\.memory\.limit/);
});

test("on this hybrid host, SKIFF_HYBRID_DEVICE_EBPF=1 also attaches the device rules as eBPF (the kernel's verifier accepts them)", () => {
  const b = bundle(["sh", "-c", "echo x > /dev/null && head -c 1 /dev/zero | wc -c"]);
  const r = Bun.spawnSync([SKIFF_OCI, "--root", `${TEST_STATE_ROOT}/skiff`, "run", "--bundle", b.dir, b.id], { env: { ...process.env, SKIFF_HYBRID_DEVICE_EBPF: "1" } });
  expect(r.stderr.toString()).toBe("");
  expect(r.stdout.toString().trim()).toBe("1");
});
