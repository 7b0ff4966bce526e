// Bytes under a directory as dockerd's directory.Size counts them: every entry but directories,
// a hard-linked inode once, symlinks not followed. A container's SizeRw is its upper dir's; a
// volume's size (system df) and what its prune reclaims are its mountpoint's.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function directorySize(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return; // gone meanwhile, or not a directory
    }
    for (const n of names) {
      let st;
      try {
        st = lstatSync(join(d, n), { bigint: false });
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        walk(join(d, n));
        continue;
      }
      if (st.size === 0) continue;
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  walk(dir);
  return total;
}
