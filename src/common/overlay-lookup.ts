// Looks a path up in a stack of overlayfs layer directories (topmost first) the way the kernel
// merges them: a whiteout (char 0:0) or a non-directory ends the search, an opaque directory
// hides what lies below it, and no symlink is ever followed (each ancestor is lstat'ed). Shared by
// the engine (unpacking, copy-up, changes) and the runtime (HOME from the engine's rootfs layers).
import { lstatSync, type Stats } from "node:fs";
import { join } from "node:path";
import { lgetxattr } from "./sys.ts";

export const OPAQUE_XATTR = "trusted.overlay.opaque";

export const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0;

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
};

export const isOpaque = (path: string): boolean => lgetxattr(path, OPAQUE_XATTR)?.toString() === "y";

export interface LowerHit {
  path: string;
  stat: Stats;
}

/** The object at `rel` in the merged view of `lowers`, or undefined when absent or whited out. */
export function lookupLower(lowers: readonly string[], rel: string): LowerHit | undefined {
  for (const lower of lowers) {
    let here = true;
    let last = false;
    for (let i = rel.indexOf("/"); i > 0; i = rel.indexOf("/", i + 1)) {
      const a = rel.slice(0, i);
      const st = lstatOrUndefined(join(lower, a));
      if (!st) {
        here = false;
        break;
      }
      if (!st.isDirectory()) return undefined; // whiteout, file or symlink: hides everything below
      if (isOpaque(join(lower, a))) last = true;
    }
    if (here) {
      const path = join(lower, rel);
      const stat = lstatOrUndefined(path);
      if (stat) return isWhiteout(stat) ? undefined : { path, stat };
    }
    if (last) return undefined;
  }
  return undefined;
}
