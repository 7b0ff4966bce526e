// The kernel accepts the compiled programs and answers as the interpreter predicts. Each filter is
// loaded in a child process (kernel-probe.ts), never in the test runner.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ARCHES, hostArch, type SeccompArch, syscallNumber, syscallTable } from "./arches.ts";
import { runFilter } from "./bpf-interpreter.ts";
import { compileSeccomp } from "./compile.ts";

const arch = ((): SeccompArch | undefined => {
  try {
    const a = hostArch();
    return a === "x86_64" || a === "aarch64" ? a : undefined;
  } catch {
    return undefined;
  }
})();
const EPERM = 1;
const ENOSYS = 38;

interface Call {
  nr: number;
  args?: number[];
}

function probe(profile: unknown, calls: Call[]) {
  const compiled = compileSeccomp(profile, { arch: arch! });
  const input = JSON.stringify({ seccompNr: syscallNumber(arch!, "seccomp"), flags: compiled.flags, filter: Buffer.from(compiled.filter).toString("hex"), calls });
  const child = spawnSync(process.execPath, [join(import.meta.dir, "kernel-probe.ts")], { input, encoding: "utf8", timeout: 20_000 });
  if (child.status !== 0) throw new Error(`kernel probe failed (${child.status}): ${child.stderr}`);
  const out = JSON.parse(child.stdout) as { loaded: number; results: { ret: number; errno: number }[] };
  return { compiled, ...out };
}

const nr = (name: string) => syscallNumber(arch!, name)!;

describe.skipIf(arch === undefined)("the kernel loads the filters", () => {
  test("Docker's default profile: allowed calls work, blocked ones fail with the configured errno", () => {
    const profile = JSON.parse(readFileSync(join(import.meta.dir, "fixtures/docker-default-amd64.json"), "utf8"));
    if (arch === "aarch64") profile.architectures = ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];
    const { loaded, results } = probe(profile, [
      { nr: nr("getpid") },
      // Bogus arguments: without the filter these fail with EFAULT/EINVAL/EOPNOTSUPP, not EPERM/ENOSYS.
      { nr: nr("mount") },
      { nr: nr("keyctl"), args: [9999] },
      { nr: nr("clone3") },
    ]);
    expect(loaded).toBe(0);
    expect(results[0]!.ret).toBeGreaterThan(0);
    expect(results.slice(1).map((r) => r.errno)).toEqual([EPERM, EPERM, ENOSYS]);
  });

  test("a long program with far jumps and 64-bit argument tests", () => {
    const names = [...new Map([...syscallTable(arch!)].map(([name, n]) => [n, name])).values()].slice(0, 200);
    const syscalls = names.flatMap((n) => [
      { names: [n], action: "SCMP_ACT_ERRNO", errnoRet: 77, args: [{ index: 0, value: 0x1_0000_0007, op: "SCMP_CMP_EQ" }] },
      { names: [n], action: "SCMP_ACT_ERRNO", errnoRet: 78, args: [{ index: 5, value: 0xff_0000_0000, valueTwo: 0x12_0000_0000, op: "SCMP_CMP_MASKED_EQ" }] },
    ]);
    const getpid = nr("getpid");
    const calls: Call[] = [
      { nr: getpid, args: [0x1_0000_0007] },
      { nr: getpid, args: [7] },
      { nr: getpid, args: [0, 0, 0, 0, 0, 0x12_3456_789a] },
    ];
    const { loaded, results, compiled } = probe({ defaultAction: "SCMP_ACT_ALLOW", syscalls }, calls);
    expect(loaded).toBe(0);
    expect(results.map((r) => r.errno)).toEqual([77, 0, 78]);
    // And the interpreter agrees on each call.
    const audit = ARCHES[arch!].audit;
    expect(calls.map((c) => runFilter(compiled.filter, { arch: audit, nr: c.nr, args: c.args }) & 0xffff)).toEqual([77, 0, 78]);
  });
});
