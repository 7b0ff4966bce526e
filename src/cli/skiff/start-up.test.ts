// What the skiff CLI's container commands load when they start: the entry's static imports and
// those of the command's own module (each command's module is import()ed when it runs). None may
// be node:tty, node:net, node:crypto, node:os, node:child_process, node:fs or the streams: each of
// them costs a compiled skiff 6-18 ms of start-up (node:tty ~16 ms, node:crypto ~18, node:net
// ~14, node:fs ~6, measured with perf stat on compiled one-line programs), which `run --rm` pays
// once and 20 `run -d` at once pay 20 times (issue 10's benchmark). They load on first use where
// a command needs them (pulls, credentials, env files, a terminal).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = join(import.meta.dir, "../..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** The node: modules reached from `roots` through static imports (type-only ones are erased). */
function staticBuiltins(roots: string[]): string[] {
  const seen = new Set<string>();
  const builtins: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = transpiler.transformSync(readFileSync(file, "utf8")); // type-only imports go
    for (const imp of transpiler.scanImports(code)) {
      if (imp.kind !== "import-statement") continue; // import() and a require() in a function load on use
      if (/^node:/.test(imp.path)) builtins.push(`${relative(SRC, file)} imports ${imp.path}`);
      else if (imp.path.startsWith(".")) visit(resolve(dirname(file), imp.path));
    }
  };
  roots.forEach((r) => visit(join(SRC, r)));
  return builtins;
}

const CHEAP = new Set(["node:path"]);

for (const command of ["run", "container-ops", "ps", "logs", "attach", "exec", "inspect"])
  test(`skiff's ${command} command loads no costly node: module at start`, () => {
    const costly = staticBuiltins(["cli/bin.ts", "cli/skiff/main.ts", `cli/skiff/commands/${command}.ts`]).filter((b) => !CHEAP.has(b.split(" imports ")[1]!));
    expect(costly).toEqual([]);
  });
