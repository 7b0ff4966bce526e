// Whether the kernel's OOM killer killed a process of a container: its memory cgroup counts the
// kills (cgroup v1: memory.oom_control's oom_kill, kernel 4.13+; v2: memory.events's oom_kill).
// Read when the container has exited and before its runtime removes the cgroup.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** oom_kill of the container whose bundle is `bundle` (its config.json names the cgroup), 0 if unknown. */
export function oomKills(bundle: string, root = "/sys/fs/cgroup"): number {
  const config = read(join(bundle, "config.json"));
  let cgroupsPath: string | undefined;
  try {
    cgroupsPath = (JSON.parse(config ?? "{}") as { linux?: { cgroupsPath?: string } }).linux?.cgroupsPath;
  } catch {}
  if (!cgroupsPath) return 0;
  for (const file of [join(root, "memory", cgroupsPath, "memory.oom_control"), join(root, cgroupsPath, "memory.events")]) {
    const m = /^oom_kill (\d+)$/m.exec(read(file) ?? "");
    if (m) return Number(m[1]);
  }
  return 0;
}
