// pause and resume: the v1 freezer (freezer.state FROZEN/THAWED) or v2's cgroup.freeze, waiting
// until the kernel reports every task stopped, as runc does.
import { SkiffError } from "../../common/errors.ts";
import { exists, readText, writeText } from "../../common/sys.ts";

function freezerDir(dirs: readonly string[]): { dir: string; v2: boolean } | undefined {
  // v1: the directory in the freezer's hierarchy, asked first where its path names it (as where
  // it is mounted alone, the usual layout): `state` looks here, and each question costs (issue 9)
  for (const named of [true, false])
    for (const dir of dirs) if (dir.includes("freezer") === named && exists(`${dir}/freezer.state`)) return { dir, v2: false };
  for (const dir of dirs) if (exists(`${dir}/cgroup.freeze`)) return { dir, v2: true };
  return undefined;
}

/** /^LINE$/m.test(text), without a regular expression (a compiled Bun's first costs ~0.4 ms,
 * and `state` comes here: issue 9). A line ends at \n, \r, U+2028 or U+2029, as there. */
export function hasLine(text: string, line: string): boolean {
  const ends = (i: number) => i < 0 || i >= text.length || text[i] === "\n" || text[i] === "\r" || text[i] === "\u2028" || text[i] === "\u2029";
  for (let at = text.indexOf(line); at >= 0; at = text.indexOf(line, at + 1)) if (ends(at - 1) && ends(at + line.length)) return true;
  return false;
}

export function isFrozen(dirs: readonly string[]): boolean {
  const f = freezerDir(dirs);
  if (!f) return false;
  try {
    if (f.v2) return hasLine(readText(`${f.dir}/cgroup.events`), "frozen 1");
    const state = readText(`${f.dir}/freezer.state`);
    return state === "FROZEN\n" || state === "FROZEN";
  } catch {
    return false;
  }
}

export function setFrozen(dirs: readonly string[], frozen: boolean): void {
  const f = freezerDir(dirs);
  if (!f)
    throw new SkiffError({ layer: "runtime", code: "RUNTIME_CGROUP_CONTROLLER_MISSING", kind: "failed_precondition", message: `${frozen ? "pause" : "resume"}: no freezer for the container's cgroup`, hint: "mount the v1 freezer controller, or use cgroup v2" });
  const file = `${f.dir}/${f.v2 ? "cgroup.freeze" : "freezer.state"}`;
  const value = f.v2 ? (frozen ? "1" : "0") : frozen ? "FROZEN" : "THAWED";
  const end = performance.now() + 5000;
  for (let i = 0; ; i++) {
    // v1 may answer FREEZING for a while, and a task forking at the wrong moment can escape a
    // first attempt: write again until the state holds.
    writeText(file, value);
    if (isFrozen(dirs) === frozen) return;
    if (performance.now() > end)
      throw new SkiffError({ layer: "kernel", code: "RUNTIME_FREEZE_TIMEOUT", kind: "unavailable", message: `${frozen ? "freeze" : "thaw"} ${f.dir}: the kernel did not report the change within 5s`, hint: "a task may be stuck in uninterruptible sleep (D state); check ps" });
    Bun.sleepSync(i < 10 ? 1 : 10);
  }
}
