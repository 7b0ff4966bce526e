// Profiles written before the newest syscalls existed (errno default, an allow list of 2018 or
// 2020): on every architecture they name, a syscall above every one the profile names answers
// ENOSYS, so that libc falls back (clone3 → clone, close_range → a loop, openat2, faccessat2 ...);
// a known syscall the profile leaves out keeps the default, EPERM. Checked by running the
// compiled filter in the BPF interpreter.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ARCHES, type SeccompArch, syscallNumber } from "./arches.ts";
import { runFilter } from "./bpf-interpreter.ts";
import { compileSeccomp } from "./compile.ts";
import { RET } from "./rules.ts";

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dir, "fixtures", name), "utf8"));
const ALLOW = "ALLOW";
const verdict = (ret: number) => (ret === RET.ALLOW ? ALLOW : ret === ((RET.ERRNO | 38) >>> 0) ? "ENOSYS" : ret === ((RET.ERRNO | 1) >>> 0) ? "EPERM" : `0x${ret.toString(16)}`);

function callUnder(profile: unknown, native: SeccompArch) {
  const { filter } = compileSeccomp(profile, { arch: native });
  return (arch: SeccompArch, name: string | number, args: number[] = []) => {
    const nr = typeof name === "number" ? ARCHES[arch].nrBase + name : syscallNumber(arch, name);
    if (nr === undefined) throw new Error(`no ${name} on ${arch}`);
    return verdict(runFilter(filter, { arch: ARCHES[arch].audit, nr, args }));
  };
}

// [arch, syscall, verdict]: listed calls, new calls, calls the profile leaves out, conditional rules.
const COMMON: [string | number, string][] = [
  ["read", ALLOW], ["execve", ALLOW], ["futex", ALLOW], ["statx", ALLOW], ["rseq", ALLOW],
  ["clone3", "ENOSYS"], ["close_range", "ENOSYS"], ["openat2", "ENOSYS"], ["faccessat2", "ENOSYS"], ["pidfd_open", "ENOSYS"],
  ["pidfd_getfd", "ENOSYS"], ["epoll_pwait2", "ENOSYS"], ["mount_setattr", "ENOSYS"], ["landlock_create_ruleset", "ENOSYS"],
  ["futex_waitv", "ENOSYS"], ["fchmodat2", "ENOSYS"], ["mseal", "ENOSYS"], [1000, "ENOSYS"],
  ["mount", "EPERM"], ["umount2", "EPERM"], ["kexec_load", "EPERM"], ["init_module", "EPERM"], ["ptrace", "EPERM"], ["setns", "EPERM"], ["unshare", "EPERM"],
];

describe("a 2018 allow list (x86_64, x86, x32) on x86_64", () => {
  const call = callUnder(fixture("errno-2018.json"), "x86_64");
  for (const arch of ["x86_64", "i386", "x32"] as const)
    test.each([...COMMON, ["io_uring_setup", "ENOSYS"], ["pidfd_send_signal", "ENOSYS"]])(`${arch}: %s is %s`, (name, want) => expect(call(arch, name)).toBe(want));

  test("numbers in the table's hole below the newest named call keep the default (as runc)", () => {
    expect(call("x86_64", 333)).toBe(ALLOW); // io_pgetevents, the last of the old numbering
    expect(call("x86_64", 335)).toBe("ENOSYS"); // above rseq (334), the highest named
    expect(call("i386", "io_pgetevents")).toBe(ALLOW);
  });

  test("clone is allowed without namespace flags only; personality for its listed values", () => {
    expect(call("x86_64", "clone", [0x11])).toBe(ALLOW);
    expect(call("x86_64", "clone", [0x10000000])).toBe("EPERM"); // CLONE_NEWUSER
    expect(call("i386", "clone", [0x20000000])).toBe("EPERM"); // CLONE_NEWPID
    expect(call("x86_64", "personality", [8])).toBe(ALLOW);
    expect(call("x86_64", "personality", [0x400000])).toBe("EPERM");
  });

  test("an architecture the profile does not name is killed", () => {
    expect(compileSeccomp(fixture("errno-2018.json"), { arch: "x86_64" }).skippedArchitectures).toEqual([]);
    const { filter } = compileSeccomp(fixture("errno-2018.json"), { arch: "x86_64" });
    expect(runFilter(filter, { arch: ARCHES.aarch64.audit, nr: 63 })).toBe(RET.KILL_THREAD);
  });
});

describe("a 2020 allow list with io_uring (x86 and arm families)", () => {
  const extra: [string | number, string][] = [["io_uring_setup", ALLOW], ["io_uring_register", ALLOW], ["pidfd_send_signal", ALLOW], ["open_tree", "ENOSYS"], ["fsopen", "ENOSYS"]];
  const onX86 = callUnder(fixture("errno-2020.json"), "x86_64");
  for (const arch of ["x86_64", "i386", "x32"] as const) test.each([...COMMON, ...extra])(`${arch}: %s is %s`, (name, want) => expect(onX86(arch, name)).toBe(want));

  const onArm = callUnder(fixture("errno-2020.json"), "aarch64");
  for (const arch of ["aarch64", "arm"] as const)
    test.each([...COMMON, ...extra])(`${arch}: %s is %s`, (name, want) => expect(onArm(arch, name)).toBe(want));

  test("arm's private calls (0xf0000 on) are old: the default, unless named", () => {
    expect(onArm("arm", "cacheflush")).toBe("EPERM");
  });
});

describe("blocks of old calls numbered above the main sequence do not hide the newer calls", () => {
  // runc counts them and answers EPERM here; they are older than every call it would cover.
  test("x32's compat entry points (512-547): a profile naming execve still gets ENOSYS for clone3", () => {
    const call = callUnder({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X32"], syscalls: [{ names: ["read", "rseq", "execve", "pwritev2"], action: "SCMP_ACT_ALLOW" }] }, "x86_64");
    expect(call("x32", "execve")).toBe(ALLOW);
    expect(call("x32", "pwritev2")).toBe(ALLOW);
    expect(call("x32", "clone3")).toBe("ENOSYS");
    expect(call("x32", "ptrace")).toBe("EPERM"); // 521, in the block, not named
    expect(call("x32", 548)).toBe("ENOSYS");
    expect(call("x32", "mount")).toBe("EPERM");
  });

  test("arm's private calls: a profile naming set_tls and cacheflush still gets ENOSYS for clone3", () => {
    const call = callUnder({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read", "rseq", "set_tls", "cacheflush"], action: "SCMP_ACT_ALLOW" }] }, "arm");
    expect(call("arm", "set_tls")).toBe(ALLOW);
    expect(call("arm", "clone3")).toBe("ENOSYS");
    expect(call("arm", "breakpoint")).toBe("EPERM");
    expect(call("arm", 0xf0800)).toBe("ENOSYS");
    expect(call("arm", "mount")).toBe("EPERM");
  });

  test("a profile that names only old-block calls gets ENOSYS above its highest main-sequence call", () => {
    const call = callUnder({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["cacheflush"], action: "SCMP_ACT_ALLOW" }] }, "arm");
    expect(call("arm", "cacheflush")).toBe(ALLOW);
    expect(call("arm", "read")).toBe("EPERM");
    expect(call("arm", "clone3")).toBe("EPERM"); // nothing of the main sequence is named: no stub, as runc with no names
  });
});
