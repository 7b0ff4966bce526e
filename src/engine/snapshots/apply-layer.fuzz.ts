// Properties of the layer unpacker (unpack-layer.ts → apply-layer.ts) for fast-check: a short
// seeded run in apply-layer.test.ts, a long one in scripts/fuzz.ts. Test code only; runs as
// root (it makes device nodes and chowns, as the unpacker does).
//
// containment: one or two hostile layers ("..", absolute names, symlinks out of the root and
// entries through them, hardlinks to host files or outside, whiteouts, devices, a directory
// replaced by a symlink in the upper layer) are unpacked into a sandbox beside a canary directory.
// Whatever the outcome, nothing outside the snapshot dirs changes (the canaries, /etc/passwd),
// no file inside shares an inode with one outside, and a failure is an IMAGE_* SkiffError with a
// hint, never another error.
import fc from "fast-check";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSkiffError } from "../../common/errors.ts";
import { buildTar, type TarWriteEntry } from "../archive/index.ts";
import { unpackLayer } from "./unpack-layer.ts";

/** Stands for the sandbox's canary directory in generated link targets. */
const OUTSIDE = "@OUTSIDE@";

// Few names, so that entries meet: the same path twice, a file under a symlink, a link to a sibling.
const segment = fc.constantFrom("a", "b", "c", "etc", "passwd", ".wh.a", ".wh.b", ".wh..wh..opq", "x".repeat(120));
const hostileSegment = fc.constantFrom("..", ".", "", "a", "b");
const safeName = fc.tuple(fc.constantFrom("", "./"), fc.array(segment, { minLength: 1, maxLength: 3 })).map(([lead, parts]) => lead + parts.join("/"));
const hostileName = fc.tuple(fc.constantFrom("", "/", "./", "../", `${OUTSIDE}/`), fc.array(fc.oneof(segment, hostileSegment), { minLength: 1, maxLength: 4 })).map(([lead, parts]) => lead + parts.join("/"));
const name = fc.oneof({ arbitrary: safeName, weight: 5 }, { arbitrary: hostileName, weight: 1 });
const linkname = fc.oneof(
  fc.constantFrom("/etc/passwd", "/etc", "/", "..", "../..", "../../..", "../canary", `${OUTSIDE}`, `${OUTSIDE}/canary`, `${OUTSIDE}/dir`, "/proc/self/environ", "a", "a/b", "b", "c", "etc/passwd"),
  name,
);
const entry: fc.Arbitrary<TarWriteEntry> = fc.record({
  name,
  type: fc.constantFrom("file", "file", "dir", "dir", "symlink", "symlink", "hardlink", "hardlink", "char", "block", "fifo") as fc.Arbitrary<TarWriteEntry["type"]>,
  data: fc.constantFrom("", "data", "x".repeat(700)),
  mode: fc.oneof(fc.constant(0o755), fc.integer({ min: 0, max: 0o7777 })),
  uid: fc.integer({ min: 0, max: 70000 }),
  gid: fc.integer({ min: 0, max: 70000 }),
  linkname,
  devmajor: fc.integer({ min: 0, max: 10 }),
  devminor: fc.integer({ min: 0, max: 10 }),
});
export const hostileLayer = fc.array(entry, { minLength: 1, maxLength: 8 });

interface Sandbox {
  root: string;
  outside: string;
  lower: string;
  upper: string;
}

/** A sandbox: the canary dir "outside" (a file, a dir with a file) beside the two layer dirs. */
export function sandbox(base: string): Sandbox {
  mkdirSync(base, { recursive: true });
  const root = mkdtempSync(join(base, "apply-fuzz-"));
  const s = { root, outside: join(root, "outside"), lower: join(root, "lower"), upper: join(root, "upper") };
  mkdirSync(join(s.outside, "dir"), { recursive: true });
  writeFileSync(join(s.outside, "canary"), "canary\n");
  writeFileSync(join(s.outside, "dir", "canary"), "canary\n");
  mkdirSync(s.lower);
  mkdirSync(s.upper);
  return s;
}

/** What must not change: every name under `dir` with its type, size, mode, inode and link count. */
export function fingerprint(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(dir, r));
      out.push(`${r} ${st.mode.toString(8)} ${st.size} ${st.ino} ${st.nlink} ${st.uid}:${st.gid} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.push(`${r}: ${readFileSync(join(dir, r), "utf8")}`);
    }
  };
  walk("");
  return out;
}

/** Every path under `dir`, symlinks not followed (readdir's recursive mode follows them). */
function paths(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    out.push(p);
    if (lstatSync(p).isDirectory()) out.push(...paths(p));
  }
  return out;
}

const hostFile = (p: string) => {
  const st = lstatSync(p);
  return `${st.ino} ${st.nlink} ${st.size} ${st.mtimeMs} ${st.mode.toString(8)}`;
};

/** Unpacks `layers` into the sandbox (each over the ones before); the first error, if any. */
async function unpackAll(s: Sandbox, layers: TarWriteEntry[][]): Promise<unknown> {
  const dirs = [s.lower, s.upper];
  for (const [i, entries] of layers.entries()) {
    const tar = buildTar(entries.map((e) => ({ ...e, name: e.name.replaceAll(OUTSIDE, s.outside), linkname: e.linkname?.replaceAll(OUTSIDE, s.outside) })));
    try {
      await unpackLayer({ source: (async function* () { yield tar; })(), target: dirs[i]!, lowers: dirs.slice(0, i).reverse(), compression: "none" });
    } catch (e) {
      return e;
    }
  }
  return undefined;
}

/** Checks the containment promises for one run; throws what broke. */
export async function checkContainment(base: string, layers: TarWriteEntry[][]): Promise<void> {
  const s = sandbox(base);
  try {
    const outside = fingerprint(s.outside);
    const passwd = hostFile("/etc/passwd");
    const error = await unpackAll(s, layers);
    if (error !== undefined) {
      if (!isSkiffError(error)) throw error;
      if (error.layer !== "image" || !error.code.startsWith("IMAGE_")) throw new Error(`unexpected error ${error.layer} ${error.code}: ${error.message}`);
      if (!error.hint) throw new Error(`no hint: ${error.code} ${error.message}`);
    }
    const after = fingerprint(s.outside);
    if (after.join("\n") !== outside.join("\n")) throw new Error(`the canary dir changed:\n${outside.join("\n")}\n---\n${after.join("\n")}`);
    if (hostFile("/etc/passwd") !== passwd) throw new Error("/etc/passwd changed");
    const top = readdirSync(s.root).sort().join(" ");
    if (top !== "lower outside upper") throw new Error(`the sandbox holds ${top}`);
    const inodes = new Set([lstatSync("/etc/passwd").ino, lstatSync(join(s.outside, "canary")).ino, lstatSync(join(s.outside, "dir", "canary")).ino]);
    for (const dir of [s.lower, s.upper]) {
      for (const p of paths(dir)) if (inodes.has(lstatSync(p).ino)) throw new Error(`${p} shares an inode with a file outside`);
    }
  } finally {
    rmSync(s.root, { recursive: true, force: true });
  }
}

export const containment = (base: string) =>
  fc.asyncProperty(fc.array(hostileLayer, { minLength: 1, maxLength: 2 }), (layers) => checkContainment(base, layers));

export const APPLY_PROPERTIES = (base: string): Record<"containment", () => fc.IRawProperty<any>> => ({ containment: () => containment(base) });
