// Home directory of a uid from the rootfs's /etc/passwd, for a process env without HOME (as runc).
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";

export function homeOf(rootfs: string, uid: number): string {
  try {
    const path = realpathSync(join(rootfs, "etc/passwd"));
    if (!path.startsWith(realpathSync(rootfs) + "/")) return "/";
    for (const line of readFileSync(path, "utf8").split("\n")) {
      const f = line.split(":");
      if (f.length >= 6 && Number(f[2]) === uid && f[2] !== "") return f[5] || "/";
    }
  } catch {}
  return "/";
}
