// The runtimes a container may run under (`--runtime`): skiff's own in-process (the default), or a
// runc-compatible binary driven through its command line. One OciRuntime per name, each with its
// state root under the exec root, so `runc --root …` or `skiff-oci --root …` shows what it holds.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliRuntime } from "../../runtime/cli-runtime.ts";
import { InProcessRuntime } from "../../runtime/in-process-runtime.ts";
import type { OciRuntime } from "../../runtime/oci-runtime.ts";
import { invalidArg } from "./errors.ts";
import { runtimeRoot, type EngineRoots } from "./layout.ts";

export const DEFAULT_RUNTIME = "skiff";
const KNOWN = ["skiff", "runc", "crun", "skiff-oci"] as const;

/** The binary of a runtime named on the command line: skiff-oci beside our own executable. */
function binaryOf(name: string): string {
  if (name !== "skiff-oci") return name;
  const beside = join(dirname(process.execPath), "skiff-oci");
  return existsSync(beside) ? beside : join(import.meta.dir, "../../../bin/skiff-oci");
}

/** skiff-init (run --init) beside our own executable, else the native build; undefined if neither is there. */
export function initBinary(): string | undefined {
  for (const p of [process.env.SKIFF_INIT, join(dirname(process.execPath), "skiff-init"), join(import.meta.dir, "../../../native/build/skiff-init")]) if (p && existsSync(p)) return p;
  return undefined;
}

export class Runtimes {
  private readonly made = new Map<string, OciRuntime>();

  constructor(private readonly roots: EngineRoots) {}

  get(name: string = DEFAULT_RUNTIME): OciRuntime {
    let rt = this.made.get(name);
    if (rt) return rt;
    if (!(KNOWN as readonly string[]).includes(name)) throw invalidArg("ENGINE_RUNTIME_UNKNOWN", `unknown or invalid runtime name: ${name}`, `use one of ${KNOWN.join(", ")}`, { field: "runtime" });
    rt = name === DEFAULT_RUNTIME ? new InProcessRuntime(runtimeRoot(this.roots, name)) : new CliRuntime(binaryOf(name), runtimeRoot(this.roots, name));
    this.made.set(name, rt);
    return rt;
  }

  names(): string[] {
    return [...KNOWN];
  }
}
