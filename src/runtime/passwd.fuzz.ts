// Properties of passwd.ts's read of the engine's rootfs layers, which the container's image (and
// later the container) wrote, for fast-check: a short seeded run in passwd.test.ts, a long one in
// scripts/fuzz.ts. Test code only; runs as root (whiteouts are device nodes).
//
// - layersStayInside: hostile layers (etc and etc/passwd as files, directories, symlinks that are
//   absolute, relative, climbing with "..", pointing out of the tree, at each other or at
//   themselves; whiteouts; FIFOs) never make overlayPath name a path outside the layers, never loop,
//   never throw; homeOf over them always ends with a HOME (a FIFO is not waited on); the host's
//   files the links name are as they were.
import fc from "fast-check";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mknod, S_IFCHR, S_IFIFO } from "../common/sys.ts";
import { homeOf, overlayPath } from "./passwd.ts";

type Node = { kind: "file" } | { kind: "dir" } | { kind: "link"; target: string } | { kind: "whiteout" } | { kind: "fifo" };

const target = fc.constantFrom("/etc/passwd", "passwd", "../etc/passwd", "../../../../etc/shadow", "/etc", "..", ".", "/", "/usr/lib/passwd", "../usr/lib", "loop", "/etc/loop", "/nonexistent", "etc");
const node: fc.Arbitrary<Node> = fc.oneof(
  fc.constant({ kind: "file" as const }),
  fc.constant({ kind: "dir" as const }),
  target.map((t) => ({ kind: "link" as const, target: t })),
  fc.constant({ kind: "whiteout" as const }),
  fc.constant({ kind: "fifo" as const }),
);
const PATHS = ["etc", "etc/passwd", "etc/loop", "usr", "usr/lib", "usr/lib/passwd"];
/** Each layer: what each path is, or nothing there. */
const layer = fc.record(Object.fromEntries(PATHS.map((p) => [p, fc.option(node, { nil: undefined })])) as Record<string, fc.Arbitrary<Node | undefined>>);

/** Makes the layer's entries without ever going through one of its links: an entry whose parent
 *  in this layer is not a real directory is left out, as it could not be in a real layer. (A first
 *  version made parents with mkdir -p and wrote through a link to "/etc": it overwrote the host's
 *  /etc/passwd. Every ancestor is lstat'ed here; nothing is written but new names in real dirs.) */
function build(dir: string, spec: Record<string, Node | undefined>): void {
  for (const p of PATHS) {
    const n = spec[p];
    if (!n) continue;
    let parent = dir;
    let ok = true;
    for (const part of p.split("/").slice(0, -1)) {
      parent = join(parent, part);
      const st = lstatOrUndefined(parent);
      if (!st) mkdirSync(parent);
      else if (!st.isDirectory() || st.isSymbolicLink()) ok = false;
      if (!ok) break;
    }
    const path = join(dir, p);
    if (!ok || lstatOrUndefined(path)) continue;
    if (n.kind === "file") writeFileSync(path, "root:x:0:0:root:/from-layers:/bin/sh\n", { flag: "wx" });
    else if (n.kind === "dir") mkdirSync(path);
    else if (n.kind === "link") symlinkSync(n.target, path);
    else if (n.kind === "whiteout") mknod(path, S_IFCHR | 0o600, 0, 0);
    else mknod(path, S_IFIFO | 0o600);
  }
}

const lstatOrUndefined = (path: string) => {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
};

/** The host's files the absolute link targets name, as they were: the run compares them after each case. */
const CANARIES = ["/etc/passwd", "/etc/shadow", "/usr/lib"];
const canaryState = () => CANARIES.map((p) => { const st = lstatOrUndefined(p); return `${p} ${st?.mtimeMs} ${st?.size} ${st?.ino}`; }).join("\n");

export const PASSWD_PROPERTIES = (scratch: string): Record<"layersStayInside", () => fc.IRawProperty<any>> => ({
  layersStayInside: () =>
    fc.property(fc.array(layer, { minLength: 1, maxLength: 3 }), (specs) => {
      mkdirSync(scratch, { recursive: true });
      const before = canaryState();
      const dir = mkdtempSync(join(scratch, "layers-"));
      try {
        const layers = specs.map((s, i) => {
          const d = join(dir, String(i));
          mkdirSync(d);
          build(d, s);
          return d;
        });
        const path = overlayPath(layers, "etc/passwd");
        if (path !== undefined && !layers.some((l) => path.startsWith(`${l}/`))) throw new Error(`overlayPath left the layers: ${path}`);
        const home = homeOf(join(dir, "empty"), 0, [], "/", [], { fstype: "overlay", source: "overlay", data: `lowerdir=${layers.join(":")}` });
        if (home !== "/" && home !== "/from-layers") throw new Error(`HOME ${home}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (canaryState() !== before) throw new Error("a host file the links name changed");
    }),
});
