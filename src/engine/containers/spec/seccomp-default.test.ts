import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../../../common/errors.ts";
import { ARCHES, syscallNumber } from "../../../runtime/seccomp/arches.ts";
import { runFilter } from "../../../runtime/seccomp/bpf-interpreter.ts";
import { compileSeccomp } from "../../../runtime/seccomp/compile.ts";
import { RET } from "../../../runtime/seccomp/rules.ts";
import { DEFAULT_CAPABILITIES } from "./capabilities.ts";
import { DOCKER_DEFAULT_PROFILE } from "./seccomp-default.ts";
import { kernelAtLeast, parseProfile, resolveProfile } from "./seccomp-profile.ts";

const FIXTURE = join(import.meta.dir, "../../../runtime/seccomp/fixtures/docker-default-amd64.json");
const caps = [...DEFAULT_CAPABILITIES];
const ctx = { caps, arch: "amd64", kernel: "6.18.0" };
const EPERM = (RET.ERRNO | 1) >>> 0;

function verdict(profile: Record<string, unknown>, name: string, args: number[] = []): number {
  const { filter } = compileSeccomp(profile, { arch: "x86_64" });
  return runFilter(filter, { arch: ARCHES.x86_64.audit, nr: syscallNumber("x86_64", name)!, args });
}

test("resolved for docker's default capabilities on amd64 it is the project's fixture, plus chroot (CAP_SYS_CHROOT is a default)", () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, "utf8"));
  const resolved = resolveProfile(DOCKER_DEFAULT_PROFILE, ctx) as { syscalls: { names: string[] }[] };
  const chroot = resolved.syscalls.findIndex((r) => r.names.join() === "chroot");
  expect(chroot).toBeGreaterThan(0);
  resolved.syscalls.splice(chroot, 1);
  expect(resolved).toEqual(fixture);
});

test("CAP_SYS_ADMIN brings mount, unshare, setns and a free clone/clone3; without it they fail", () => {
  const plain = resolveProfile(DOCKER_DEFAULT_PROFILE, ctx);
  const admin = resolveProfile(DOCKER_DEFAULT_PROFILE, { ...ctx, caps: [...caps, "CAP_SYS_ADMIN"] });
  for (const name of ["mount", "unshare", "setns", "umount2", "sethostname"]) {
    expect(verdict(plain, name)).toBe(EPERM);
    expect(verdict(admin, name)).toBe(RET.ALLOW);
  }
  const CLONE_NEWNS = 0x20000;
  expect(verdict(plain, "clone", [CLONE_NEWNS | 17])).toBe(EPERM);
  expect(verdict(admin, "clone", [CLONE_NEWNS | 17])).toBe(RET.ALLOW);
  expect(verdict(plain, "clone3")).toBe((RET.ERRNO | 38) >>> 0);
  expect(verdict(admin, "clone3")).toBe(RET.ALLOW);
});

test("CAP_SYS_PTRACE brings kcmp and pidfd_getfd; ptrace itself needs only a kernel of 4.8 or later", () => {
  const plain = resolveProfile(DOCKER_DEFAULT_PROFILE, ctx);
  const ptrace = resolveProfile(DOCKER_DEFAULT_PROFILE, { ...ctx, caps: [...caps, "CAP_SYS_PTRACE"] });
  expect(verdict(plain, "ptrace")).toBe(RET.ALLOW);
  expect(verdict(plain, "kcmp")).toBe(EPERM);
  expect(verdict(ptrace, "kcmp")).toBe(RET.ALLOW);
  expect(verdict(ptrace, "pidfd_getfd")).toBe(RET.ALLOW);
  const old = resolveProfile(DOCKER_DEFAULT_PROFILE, { ...ctx, kernel: "4.4.0" });
  expect(verdict(old, "ptrace")).toBe(EPERM);
});

test("each capability group opens its calls", () => {
  const table: [string, string][] = [["CAP_SYS_BOOT", "reboot"], ["CAP_SYS_MODULE", "init_module"], ["CAP_SYS_PACCT", "acct"], ["CAP_SYS_RAWIO", "iopl"], ["CAP_SYS_TIME", "settimeofday"], ["CAP_SYS_TTY_CONFIG", "vhangup"], ["CAP_SYS_NICE", "mbind"], ["CAP_SYSLOG", "syslog"], ["CAP_BPF", "bpf"], ["CAP_PERFMON", "perf_event_open"], ["CAP_DAC_READ_SEARCH", "open_by_handle_at"]];
  const plain = resolveProfile(DOCKER_DEFAULT_PROFILE, ctx);
  for (const [cap, call] of table) {
    expect([cap, verdict(plain, call)]).toEqual([cap, EPERM]);
    expect([cap, verdict(resolveProfile(DOCKER_DEFAULT_PROFILE, { ...ctx, caps: [...caps, cap] }), call)]).toEqual([cap, RET.ALLOW]);
  }
  const none = resolveProfile(DOCKER_DEFAULT_PROFILE, { ...ctx, caps: [] });
  expect(verdict(none, "chroot")).toBe(EPERM);
});

test("arm64 filters for AArch64 and 32-bit ARM and gets ARM's own calls, not x86's", () => {
  const r = resolveProfile(DOCKER_DEFAULT_PROFILE, { ...ctx, arch: "arm64" }) as { architectures: string[]; syscalls: { names: string[] }[] };
  expect(r.architectures).toEqual(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  const names = r.syscalls.flatMap((s) => s.names);
  expect(names).toContain("set_tls");
  expect(names).not.toContain("arch_prctl");
});

test("docker's format: name, comment, includes and excludes resolve as dockerd resolves them", () => {
  const text = JSON.stringify({
    defaultAction: "SCMP_ACT_ERRNO",
    archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }],
    syscalls: [
      { names: ["read", "write"], action: "SCMP_ACT_ALLOW", comment: "ignored" },
      { name: "getpid", action: "SCMP_ACT_ALLOW" },
      { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
      { names: ["umount2"], action: "SCMP_ACT_ALLOW", excludes: { caps: ["CAP_CHOWN"] } },
      { names: ["bpf"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "99.0" } },
      { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 3, args: [{ index: 1, value: 9, op: "SCMP_CMP_EQ" }] },
    ],
  });
  expect(resolveProfile(parseProfile(text), ctx)).toEqual({
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    syscalls: [
      { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
      { names: ["getpid"], action: "SCMP_ACT_ALLOW" },
      { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 3, args: [{ index: 1, value: 9, op: "SCMP_CMP_EQ" }] },
    ],
  });
});

const error = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return `${(e as SkiffError).code}: ${(e as SkiffError).message}`;
  }
  return "no error";
};

test("bad profiles are refused with the field named", () => {
  expect(error(() => parseProfile("{"))).toStartWith("ENGINE_SECCOMP_INVALID: read --security-opt seccomp: ");
  expect(error(() => parseProfile('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}'))).toStartWith("ENGINE_SECCOMP_INVALID: read --security-opt seccomp: architectures must be empty when archMap is given");
  expect(error(() => parseProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO"}]}'))).toStartWith("ENGINE_SECCOMP_INVALID: read --security-opt seccomp: syscalls[0].names must be a non-empty list");
  expect(error(() => resolveProfile(parseProfile('{"defaultAction":"SCMP_ACT_NOPE"}'), ctx))).toStartWith('ENGINE_SECCOMP_INVALID: read the seccomp profile: linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"');
});

test("kernel versions compare by major and minor", () => {
  expect(kernelAtLeast("6.18.0-rc1", "4.8")).toBe(true);
  expect(kernelAtLeast("4.8.0", "4.8")).toBe(true);
  expect(kernelAtLeast("4.7.10", "4.8")).toBe(false);
  expect(kernelAtLeast("10.0", "9.30")).toBe(true);
});
