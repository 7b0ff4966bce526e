// What skiff-oci's short commands (start, state, kill, delete) load: the entry's static imports
// (short.ts and runtime/lifecycle.ts among them); main.ts, its parser and tables come by import()
// for other calls only. None may be a node: module loaded at
// start: node:fs alone costs a compiled skiff-oci ~3M instructions and ~140 page faults, node:path
// ~1M (issue 9; the numbers in scripts/build and common/lazy-node.ts). Nor bun:ffi: its module cost
// ~0.5 ms to load, and common/sys.ts calls Bun.FFI, the native object under it, instead.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = join(import.meta.dir, "../..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** Every module reached from `roots` through static imports, and the builtins they import. */
function staticClosure(roots: string[]): { modules: string[]; builtins: string[] } {
  const seen = new Set<string>();
  const builtins: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of transpiler.scanImports(readFileSync(file, "utf8"))) {
      if (imp.kind !== "import-statement") continue; // import() and a require() in a function load on use
      if (/^(node|bun):/.test(imp.path)) builtins.push(`${relative(SRC, file)} imports ${imp.path}`);
      else if (imp.path.startsWith(".")) visit(resolve(dirname(file), imp.path));
    }
  };
  roots.forEach((r) => visit(join(SRC, r)));
  return { modules: [...seen].map((f) => relative(SRC, f)), builtins };
}

test("the short commands load no builtin module at start (no node:, no bun:ffi)", () => {
  const { modules, builtins } = staticClosure(["cli/oci/bin.ts"]);
  expect(modules).toContain("runtime/state-store.ts");
  expect(modules).toContain("runtime/lifecycle.ts");
  expect(modules.filter((m) => m === "cli/oci/main.ts" || m === "cli/args.ts")).toEqual([]);
  expect(builtins).toEqual([]);
});

test("what the short commands load stays small: no plan builder, cgroup configuration or seccomp compiler", () => {
  const { modules } = staticClosure(["cli/oci/bin.ts"]);
  const heavy = modules.filter((m) => /^runtime\/(plan|seccomp)\/|^runtime\/(create|exec|executor)\.ts$|^runtime\/cgroups\/(configure|apply|v1|v2|resources)\.ts$|^oci\/runtime-config\.ts$/.test(m));
  expect(heavy).toEqual([]);
});
