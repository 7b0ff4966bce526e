import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** confirm() in a process of its own whose stdin holds `input`: its answer and what it printed. */
const ask = (input: string) => {
  const script = `import { confirm } from ${JSON.stringify(join(import.meta.dir, "confirm.ts"))}; process.stdout.write(" " + confirm("Sure?"));`;
  const r = spawnSync(process.execPath, ["-e", script], { input });
  return r.stdout.toString();
};

test("y and yes in any case are a yes; anything else, or nothing, a no", () => {
  for (const yes of ["y\n", "Y\n", "yes\n", " YES \n"]) expect(ask(yes)).toBe("Sure? [y/N]  true");
  for (const no of ["n\n", "\n", "", "yess\n", "sure\n"]) expect(ask(no)).toBe("Sure? [y/N]  false");
});
