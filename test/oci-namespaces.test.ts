// Namespaces joined by path are the container's own (hostname, domainname, sysctls and mounts go
// into them), and a type the config does not list is the runtime's own (runtime-spec: inherited).
// The namespaces are held by a sleep this file starts and kills.
import { afterEach, expect, test } from "bun:test";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { bundleFactory, busyboxRootfs, SKIFF_OCI, runBundle, tempDir, type RuntimeName } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);

const holders: ChildProcess[] = [];
afterEach(() => {
  for (const h of holders.splice(0)) h.kill("SIGKILL");
});

/** A sleep in new namespaces of the given unshare(1) flags; resolves once it is in them. */
async function holder(...flags: string[]): Promise<number> {
  const h = spawn("unshare", [...flags, "sleep", "60"], { stdio: "ignore" });
  holders.push(h);
  for (let i = 0; i < 200; i++) {
    try {
      // unshare has execed sleep once /proc/PID/comm says so
      if (readFileSync(`/proc/${h.pid}/comm`, "utf8").trim() === "sleep") return h.pid!;
    } catch {}
    await Bun.sleep(5);
  }
  throw new Error(`unshare ${flags.join(" ")} did not start`);
}

const nsenter = (pid: number, type: string, ...cmd: string[]) => execFileSync("nsenter", [`--${type}=/proc/${pid}/ns/${type}`, ...cmd], { encoding: "utf8" }).trim();

test.each(["skiff", "runc"] as RuntimeName[])("%s: hostname, domainname and sysctls go into joined uts, network and ipc namespaces", async (runtime) => {
  const pid = await holder("--uts", "--net", "--ipc");
  const b = bundle(["sh", "-c", "hostname; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; for t in uts net ipc; do readlink /proc/self/ns/$t; done"], (c) => {
    c.hostname = `skiff-test-${runtime}`;
    c.domainname = "skiff-test.example";
    c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (["uts", "network", "ipc"].includes(n.type) ? { type: n.type, path: `/proc/${pid}/ns/${n.type === "network" ? "net" : n.type}` } : n));
    c.linux.sysctl = { "net.ipv4.ip_forward": "1", "kernel.shmmni": "1234" };
  });
  const r = runBundle(runtime, b);
  const ns = ["uts", "net", "ipc"].map((t) => readlinkSync(`/proc/${pid}/ns/${t}`));
  expect(r).toEqual({ code: 0, stdout: [`skiff-test-${runtime}`, "1", "1234", ...ns].join("\n") + "\n", stderr: "" });
  // what the container set stays in the namespaces it joined
  expect(nsenter(pid, "uts", "hostname")).toBe(`skiff-test-${runtime}`);
  if (runtime === "skiff") expect(nsenter(pid, "uts", "domainname")).toBe("skiff-test.example"); // runc 1.1 ignores domainname
  expect(nsenter(pid, "net", "cat", "/proc/sys/net/ipv4/ip_forward")).toBe("1");
  expect(nsenter(pid, "ipc", "cat", "/proc/sys/kernel/shmmni")).toBe("1234");
});

test.each(["skiff", "runc"] as RuntimeName[])("%s: mounts go into a joined mount namespace", async (runtime) => {
  const pid = await holder("--mount", "--propagation", "private");
  const b = bundle(["sh", "-c", "readlink /proc/self/ns/mnt; grep -c ' /scratch ' /proc/self/mountinfo"], (c) => {
    c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === "mount" ? { type: "mount", path: `/proc/${pid}/ns/mnt` } : n));
    c.mounts.push({ destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid"] });
  });
  const r = runBundle(runtime, b);
  expect(r).toEqual({ code: 0, stdout: `${readlinkSync(`/proc/${pid}/ns/mnt`)}\n1\n`, stderr: "" });
  // the holder's namespace now has the container's mounts (and, after pivot_root, its root)
  expect(readFileSync(`/proc/${pid}/mountinfo`, "utf8")).toMatch(/ \/scratch rw,nosuid/);
});

test("no mount namespace: the container mounts in the caller's, paths still resolved inside the rootfs, and --debug says so", () => {
  // a rootfs of its own: it gets a symlink pointing out of it
  const dir = tempDir("nomnt");
  execFileSync("cp", ["-a", busyboxRootfs(), join(dir, "rootfs")]);
  execFileSync("ln", ["-s", "../../../../etc", join(dir, "rootfs/escape")]);
  const b = bundle(["sh", "-c", "readlink /proc/self/ns/mnt; grep -c ' /etc/x ' /proc/self/mountinfo"], (c) => {
    c.root = { path: join(dir, "rootfs"), readonly: false };
    c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== "mount");
    c.mounts.push({ destination: "/escape/x", type: "tmpfs", source: "tmpfs", options: ["nosuid"] });
  });
  // a throw-away mount namespace stands for the caller's: what the container mounts stays there
  const script = `readlink /proc/self/ns/mnt; ${SKIFF_OCI} --root ${TEST_STATE_ROOT}/skiff --debug run --bundle ${b.dir} ${b.id} 2>${dir}/err; echo "exit $?"; grep -c ' ${dir}/rootfs/etc/x ' /proc/self/mountinfo; grep -c ' /etc/x ' /proc/self/mountinfo`;
  const out = execFileSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script + "; true"], { encoding: "utf8" }).split("\n");
  expect(out.slice(1, 6)).toEqual([out[0]!, "1", "exit 0", "1", "0"]);
  expect(readFileSync(join(dir, "err"), "utf8")).toMatch(/^debug: linux\.namespaces lists no mount namespace/m);
});

test.each(["skiff", "runc"] as RuntimeName[])("%s: a user namespace joined by path, with its maps given (as runc 1.1 requires), owns the container's new namespaces", async (runtime) => {
  const pid = await holder("--user", "--map-root-user");
  const b = bundle(["sh", "-c", "readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u"], (c) => {
    c.linux.namespaces.push({ type: "user", path: `/proc/${pid}/ns/user` });
    c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
    // only root is mapped: devpts gets no gid=5 (as in runc's rootless spec)
    const devpts = c.mounts.find((m: { type: string }) => m.type === "devpts");
    devpts.options = devpts.options.filter((o: string) => o !== "gid=5");
  });
  const r = runBundle(runtime, b);
  expect(r).toEqual({ code: 0, stdout: `${readlinkSync(`/proc/${pid}/ns/user`)}\n         0          0          1\n0\n`, stderr: "" });
});

test("in a cgroup namespace joined by path, cgroupfs is mounted as that namespace shows it (its root), as under runc", async () => {
  const out = {} as Record<RuntimeName, string>;
  for (const runtime of ["runc", "skiff"] as RuntimeName[]) {
    const pid = await holder("--cgroup");
    const b = bundle(["sh", "-c", "awk '$5 ~ /^\\/sys\\/fs\\/cgroup\\/(pids|memory)$/ { print $5, $4 }' /proc/self/mountinfo"], (c) => {
      c.linux.namespaces.push({ type: "cgroup", path: `/proc/${pid}/ns/cgroup` });
    });
    out[runtime] = JSON.stringify(runBundle(runtime, b));
  }
  expect(out.skiff).toBe(out.runc);
  expect(JSON.parse(out.skiff)).toEqual({ code: 0, stdout: "/sys/fs/cgroup/memory /\n/sys/fs/cgroup/pids /\n", stderr: "" });
});

test("beside the hostname and domainname fields, kernel.hostname is refused and kernel.domainname wins, as under runc", () => {
  const out = (runtime: RuntimeName, sysctl: Record<string, string>) => {
    const r = runBundle(runtime, bundle(["sh", "-c", "hostname; cat /proc/sys/kernel/domainname"], (c) => ((c.hostname = "from-field"), (c.linux.sysctl = sysctl))));
    return { code: r.code, stdout: r.stdout };
  };
  expect(out("skiff", { "kernel.hostname": "from-sysctl" })).toEqual({ code: 1, stdout: "" });
  expect(out("runc", { "kernel.hostname": "from-sysctl" })).toEqual({ code: 1, stdout: "" });
  // runc 1.1 ignores the domainname field; runc 1.2 sets it before the sysctls, as skiff-oci
  const domain = (runtime: RuntimeName) => {
    const r = runBundle(runtime, bundle(["cat", "/proc/sys/kernel/domainname"], (c) => ((c.domainname = "from.field"), (c.linux.sysctl = { "kernel.domainname": "from.sysctl" }))));
    return r.stdout;
  };
  expect(domain("skiff")).toBe("from.sysctl\n");
  expect(domain("skiff")).toBe(domain("runc"));
});
