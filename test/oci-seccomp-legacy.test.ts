// Seccomp profiles written before the newest syscalls (errno default, an allow list of 2018 or
// 2020, as tools of the time wrote them), with and without no_new_privs: the container runs
// under runc and skiff-oci alike, and a program in it that calls a newer syscall sees ENOSYS
// (so glibc falls back: pthread_create tries clone3, then clone), while a known syscall the
// profile leaves out sees EPERM. Nothing the runtime does after loading the filter depends on it.
import { beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFactory, oci, REPO, runBundle, tempDir, type RuntimeName } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);
const profile = (name: string) => JSON.parse(readFileSync(join(REPO, "src/runtime/seccomp/fixtures", name), "utf8"));
const CALLS = ["clone3", "close_range", "openat2", "faccessat2", "pidfd_open", "pidfd_getfd", "epoll_pwait2", "sysfs", "ustat", "getppid", "thread"];
const EXPECTED = "clone3: ENOSYS\nclose_range: ENOSYS\nopenat2: ENOSYS\nfaccessat2: ENOSYS\npidfd_open: ENOSYS\npidfd_getfd: ENOSYS\nepoll_pwait2: ENOSYS\nsysfs: EPERM\nustat: EPERM\ngetppid: ok\nthread: ok\n";

let probeDir = "";
beforeAll(() => {
  probeDir = tempDir("syscall-probe");
  execFileSync("cc", ["-static", "-O2", "-pthread", "-o", join(probeDir, "syscall-probe"), join(REPO, "test/fixtures/syscall-probe.c")]);
});

function runBoth(args: string[], edit: (c: any) => void, runtimes: RuntimeName[] = ["runc", "skiff"]) {
  const out = {} as Record<RuntimeName, { code: number; stdout: string; stderr: string }>;
  for (const runtime of runtimes) {
    const b = bundle(args, (c) => {
      c.mounts.push({ destination: "/probe-bin", type: "bind", source: probeDir, options: ["rbind", "ro"] });
      edit(c);
    });
    out[runtime] = runBundle(runtime, b);
    expect(oci(runtime, ["list", "-q"]).stdout).not.toContain(b.id);
  }
  return out;
}

for (const fixture of ["errno-2018.json", "errno-2020.json"])
  describe(`a profile in the style of ${fixture.slice(6, 10)} (errno default, no syscall since Linux 5.3)`, () => {
    for (const noNewPrivileges of [false, true])
      test(`runs with no_new_privs ${noNewPrivileges}; new syscalls answer ENOSYS, left-out old ones EPERM, as under runc`, () => {
        const out = runBoth(["/probe-bin/syscall-probe", ...CALLS], (c) => {
          c.linux.seccomp = profile(fixture);
          c.process.noNewPrivileges = noNewPrivileges;
        });
        expect(out.runc).toEqual({ code: 0, stdout: EXPECTED, stderr: "" });
        expect(out.skiff).toEqual(out.runc);
      });
  });

test("without no_new_privs, a non-root process ends with the capabilities runc gives it (the one kept for the load is gone)", () => {
  const out = runBoth(["sh", "-c", "grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status; id"], (c) => {
    c.linux.seccomp = profile("errno-2018.json");
    c.process.noNewPrivileges = false;
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.capabilities = Object.fromEntries(["bounding", "effective", "permitted", "inheritable", "ambient"].map((k) => [k, ["CAP_NET_BIND_SERVICE", "CAP_KILL"]]));
  });
  expect(out.runc.code).toBe(0);
  expect(out.runc.stdout).toContain("CapEff:\t0000000000000420\n");
  expect(out.skiff).toEqual(out.runc);
});

test("the runtime needs none of the calls it made after loading the filter (fifo, reports, close_range, capabilities)", () => {
  // Every call the executor used to make after the filter, refused; the container's own program
  // (busybox true) needs none of them.
  const denied = ["read", "write", "close", "close_range", "fcntl", "sendmsg", "recvmsg", "capset", "prctl", "setresuid", "setresgid", "setgroups",
    "umask", "chdir", "newfstatat", "faccessat", "access", "wait4", "clone", "clone3", "fork", "vfork", "pipe2", "kill", "openat", "ppoll", "poll"];
  for (const noNewPrivileges of [false, true]) {
    const out = runBoth(["true"], (c) => {
      c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: denied, action: "SCMP_ACT_ERRNO" }] };
      c.process.noNewPrivileges = noNewPrivileges;
    }, ["skiff"]);
    expect(out.skiff).toEqual({ code: 0, stdout: "", stderr: "" });
  }
});
