import { describe, expect, test } from "bun:test";
import { checkRuntimeConfig } from "../../oci/runtime-config.ts";
import { defaultSpec } from "../spec-default.ts";
import { processSteps, type ProcessInput } from "./process-steps.ts";
import type { Step } from "./step.ts";

const SYS_ADMIN = 1n << 21n;
const seccomp = { filter: new Uint8Array(8), flags: 0 };

function steps(edit: (p: any) => void, extra: Partial<ProcessInput> = {}): Step[] {
  const raw = defaultSpec() as any;
  edit(raw.process);
  const proc = checkRuntimeConfig(raw).process!;
  return processSteps({ proc, lastCap: 40, home: "/root", preserveFds: 0, fifo: 0, ...extra });
}
const ops = (s: Step[]) => s.map((x) => x.op);
const capsOf = (s: Step[]) => s.find((x) => x.op === "setCaps")!.args as { effective: bigint; permitted: bigint; inheritable: bigint };

describe("the seccomp filter", () => {
  for (const nnp of [true, false])
    test(`is loaded last, after the fifo, the reports and the hooks, with no_new_privs ${nnp}: only execve follows`, () => {
      const hook = { op: "runHook", args: {}, what: "run startContainer hook" } as unknown as Step;
      const o = ops(steps((p) => (p.noNewPrivileges = nnp), { seccomp, startHooks: [hook] }));
      expect(o.slice(-9)).toEqual(["resolveExec", "keepFds", "seccompCheck", "ready", "waitStart", "afterStart", "runHook", "seccomp", "exec"]);
      expect(o.filter((x) => x === "seccomp")).toHaveLength(1);
    });

  test("is tried in a child before ready, so that the kernel's refusal is create's error", () => {
    const s = steps(() => {}, { seccomp });
    const check = s.find((x) => x.op === "seccompCheck")!.args as { filter: Uint8Array; flags: number };
    expect(check).toEqual({ filter: seccomp.filter, flags: 0 });
    expect(ops(s).indexOf("seccompCheck")).toBeLessThan(ops(s).indexOf("ready"));
  });

  test("with a listener, is loaded last too and sends the listener", () => {
    const o = ops(steps(() => {}, { seccomp: { ...seccomp, listenerPath: "/run/agent.sock" }, listenerSlot: 3 }));
    expect(o.slice(-2)).toEqual(["seccompNotify", "exec"]);
  });

  test("without no_new_privs keeps CAP_SYS_ADMIN until the load (execve drops what the config does not grant)", () => {
    const without = capsOf(steps((p) => (p.noNewPrivileges = false)));
    const withFilter = capsOf(steps((p) => (p.noNewPrivileges = false), { seccomp }));
    expect(without.effective & SYS_ADMIN).toBe(0n);
    expect(withFilter.effective).toBe(without.effective | SYS_ADMIN);
    expect(withFilter.permitted).toBe(without.permitted | SYS_ADMIN);
    expect(withFilter.inheritable).toBe(without.inheritable);
    expect(capsOf(steps((p) => (p.noNewPrivileges = true), { seccomp }))).toEqual(without);
  });
});

test("fds are marked close-on-exec before anything that could be filtered", () => {
  for (const nnp of [true, false]) {
    const o = ops(steps((p) => (p.noNewPrivileges = nnp), { seccomp }));
    expect(o.indexOf("keepFds")).toBeLessThan(o.indexOf("seccomp"));
  }
});
