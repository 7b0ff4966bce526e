// node:fs and node:path on first use, for modules on the path of skiff-oci's short commands
// (state, start, kill, delete): loading node:fs costs a compiled skiff-oci about 3M instructions
// and 140 page faults, node:path about 1M and 30 (2-3 ms together, on a budget of the ~4 ms
// runc spends beyond its own start-up). Those commands use sys.ts's file calls; what only other
// commands do (create's mkdir, list's readdir) takes node:fs from here, so only they pay for it.
// The skiff CLI's container commands likewise (env files, error hints: node:fs costs ~6-9 ms).
import type * as NodeFs from "node:fs";
import type * as NodePath from "node:path";

let fs: typeof NodeFs | undefined;
let path: typeof NodePath | undefined;

// (process.getBuiltinModule rather than require(): a require() in a chunk costs ~10 page faults
// at its load, called or not)
export const nodeFs = (): typeof NodeFs => (fs ??= process.getBuiltinModule("node:fs"));
export const nodePath = (): typeof NodePath => (path ??= process.getBuiltinModule("node:path"));
