// Docker's default profile as the OCI config carries it for an amd64 container without CAP_SYS_ADMIN
// (fixtures/docker-default-amd64.json, written for this test from Docker's seccomp documentation).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ARCHES, type SeccompArch, syscallNumber } from "./arches.ts";
import { runFilter } from "./bpf-interpreter.ts";
import { compileSeccomp } from "./compile.ts";
import { RET } from "./rules.ts";

const profile = JSON.parse(readFileSync(join(import.meta.dir, "fixtures/docker-default-amd64.json"), "utf8"));
const compiled = compileSeccomp(profile, { arch: "x86_64" });
const EPERM = (RET.ERRNO | 1) >>> 0;
const ENOSYS = (RET.ERRNO | 38) >>> 0;

function call(name: string, args: number[] = [], arch: SeccompArch = "x86_64"): number {
  const nr = syscallNumber(arch, name);
  if (nr === undefined) throw new Error(`no ${name} on ${arch}`);
  return runFilter(compiled.filter, { arch: ARCHES[arch].audit, nr, args });
}

test("the Docker default profile compiles well under the kernel's limit", () => {
  expect(compiled.instructions).toBeLessThan(500); // 377 for three ABIs when written
  expect(compiled.flags).toBe(0);
  expect(compiled.notify).toBe(false);
  // Only arm (EABI) has recv and send as syscalls; x86 reaches them through socketcall/recvfrom.
  expect(compiled.skipped).toEqual(["recv", "send"]);
});

test.each(["read", "write", "openat", "execve", "exit_group", "futex", "epoll_pwait2", "ptrace", "fchmodat2"])("%s is allowed", (name) => {
  expect(call(name)).toBe(RET.ALLOW);
});

test.each(["mount", "umount2", "unshare", "setns", "keyctl", "add_key", "bpf", "kexec_load", "reboot", "init_module", "open_by_handle_at", "pivot_root", "swapon"])("%s fails with EPERM", (name) => {
  expect(call(name)).toBe(EPERM);
});

test("clone is allowed without namespace flags and refused with them", () => {
  const threadFlags = 0x3d0f00; // CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|...
  expect(call("clone", [threadFlags])).toBe(RET.ALLOW);
  expect(call("clone", [0x11])).toBe(RET.ALLOW); // fork(): SIGCHLD
  expect(call("clone", [0x00020000 | 0x11])).toBe(EPERM); // CLONE_NEWNS
  expect(call("clone", [0x10000000])).toBe(EPERM); // CLONE_NEWUSER
});

test("clone3 gets ENOSYS so that libc falls back to clone", () => {
  expect(call("clone3")).toBe(ENOSYS);
});

test("socket is allowed except for AF_VSOCK", () => {
  expect(call("socket", [2, 1, 0])).toBe(RET.ALLOW);
  expect(call("socket", [40, 1, 0])).toBe(EPERM);
});

test("personality allows only the listed personas", () => {
  for (const p of [0, 8, 0x20000, 0x20008, 0xffffffff]) expect(call("personality", [p])).toBe(RET.ALLOW);
  expect(call("personality", [1])).toBe(EPERM);
});

test("i386 and x32 processes get the same policy with their own numbers", () => {
  expect(call("read", [], "i386")).toBe(RET.ALLOW);
  expect(call("socketcall", [], "i386")).toBe(RET.ALLOW);
  expect(call("mount", [], "i386")).toBe(EPERM);
  expect(call("read", [], "x32")).toBe(RET.ALLOW);
  expect(call("mount", [], "x32")).toBe(EPERM);
});

test("a syscall newer than the profile gets ENOSYS; another architecture is killed", () => {
  expect(runFilter(compiled.filter, { arch: ARCHES.x86_64.audit, nr: 600 })).toBe(ENOSYS);
  expect(runFilter(compiled.filter, { arch: ARCHES.aarch64.audit, nr: 63 })).toBe(RET.KILL_THREAD);
});
