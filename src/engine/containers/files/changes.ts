// docker diff (GET /containers/{id}/changes): what a container changed, read from its overlayfs
// upper dir and compared with the image's layers, as dockerd's overlay driver reports it:
// - a whiteout (char 0:0) is Kind 2, deleted;
// - anything else in the upper dir is Kind 0, modified, when the image has that path, else Kind 1,
//   added (a directory the container only wrote into is "C", as docker shows "C /tmp");
// - what lies under an added directory is added; under an opaque directory (removed and made
//   again) everything is added, and the lowers' entries it hides are not listed (docker neither).
// The walk goes through descriptors (RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS): a running container
// swapping a directory for a symlink cannot lead it anywhere.
import { closeSync, constants, lstatSync, readdirSync } from "node:fs";
import { isOpaque, isWhiteout, lookupLower } from "../../snapshots/index.ts";
import { fdPath, O_PATH, openat2, openRoot } from "./scoped-open.ts";
import { isInitPlaceholder } from "./init-paths.ts";

/** docker's container.FilesystemChange. */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** The changes of the upper dir `upper` over `lowers` (topmost first), sorted by path. */
export function changesOf(upper: string, lowers: readonly string[]): Change[] {
  const out: Change[] = [];
  const holders = new Set<string>();
  const root = openRoot(upper);
  try {
    walk(root, "", lowers, false, out, holders);
  } finally {
    closeSync(root);
  }
  out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
  // a directory overlayfs copied up only to hold init placeholders ("C /etc" for /etc/hosts) is no change of the container's
  return out.filter((c, i) => !(c.Kind === 0 && holders.has(c.Path) && !out[i + 1]?.Path.startsWith(`${c.Path}/`)));
}

function isEmptyDir(dir: number, name: string): boolean {
  try {
    return readdirSync(fdPath(dir, name)).length === 0;
  } catch {
    return false;
  }
}

/** `holders`: the directories that held an init placeholder, filled in. */
function walk(dir: number, rel: string, lowers: readonly string[], added: boolean, out: Change[], holders: Set<string>): void {
  let names: string[];
  try {
    names = readdirSync(fdPath(dir));
  } catch {
    return;
  }
  for (const name of names) {
    const path = `${rel}/${name}`;
    let st;
    try {
      st = lstatSync(fdPath(dir, name));
    } catch {
      continue;
    }
    if (isWhiteout(st)) {
      if (!added) out.push({ Path: path, Kind: 2 });
      continue;
    }
    if (isInitPlaceholder(path.slice(1), st, () => isEmptyDir(dir, name))) {
      if (rel) holders.add(rel);
      continue;
    }
    const isNew = added || !lookupLower(lowers, path.slice(1));
    out.push({ Path: path, Kind: isNew ? 1 : 0 });
    if (!st.isDirectory()) continue;
    let child: number;
    try {
      child = openat2(dir, name, O_PATH | constants.O_DIRECTORY, { beneath: true });
    } catch {
      continue;
    }
    try {
      walk(child, path, lowers, isNew || isOpaque(fdPath(dir, name)), out, holders);
    } finally {
      closeSync(child);
    }
  }
}
