// Properties of the extraction into a container (tar-in.ts) over hostile archives: names with
// "..", "." and absolute parts, symlinks (absolute, climbing, into the tree) and files through
// them, hardlinks anywhere, into a root holding its own traps (a symlink to "/", one climbing out
// of the destination). Whatever the archive does, succeed or fail, nothing outside the destination
// directory changes: the sandbox's canary file and sibling directory stay as they were, and the
// scratch directory holds nothing new. Runs as root (it chowns); the tests run it seeded and
// briefly, scripts/fuzz.ts long.
import fc from "fast-check";
import { closeSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buildTar, type TarWriteEntry } from "../../archive/index.ts";
import { openRoot } from "./scoped-open.ts";
import { extractTar } from "./tar-in.ts";

const segment = fc.constantFrom("a", "b", "..", ".", "esc", "up", "lnk", "", "c d");
const name = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("/"));
const target = fc.oneof(name, fc.constantFrom("/", "/etc", "../..", "../outside", "/outside/canary", "a", "../../../.."));

const entry: fc.Arbitrary<TarWriteEntry> = fc.oneof(
  fc.record({ name: fc.oneof(name, name.map((n) => `/${n}`)), type: fc.constant("file" as const), data: fc.constant("pwned\n") }),
  fc.record({ name, type: fc.constant("dir" as const) }),
  fc.record({ name, type: fc.constant("symlink" as const), linkname: target }),
  fc.record({ name, type: fc.constant("hardlink" as const), linkname: target }),
);

/** Every path under `dir` (but `skip`) with the content of its files and the text of its symlinks, sorted; symlinks are not followed. */
function snapshot(dir: string, skip: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (p === skip) continue;
    const st = lstatSync(p);
    if (st.isDirectory()) {
      out.push(`${p}/`);
      snapshot(p, skip, out);
    } else out.push(st.isSymbolicLink() ? `${p}->${readlinkSync(p)}` : `${p}=${readFileSync(p, "utf8")}`);
  }
  return out.sort();
}

let sandboxes = 0;

export const EXTRACT_PROPERTIES = (scratch: string) => ({
  staysInside: () =>
    fc.asyncProperty(fc.array(entry, { maxLength: 12 }), async (entries) => {
      const box = join(scratch, `extract-${process.pid}-${sandboxes++}`);
      const root = join(box, "root");
      const dest = join(root, "dest");
      try {
        mkdirSync(join(root, "outside"), { recursive: true });
        mkdirSync(dest);
        writeFileSync(join(root, "outside", "canary"), "canary\n");
        writeFileSync(join(box, "beside-root"), "host\n");
        symlinkSync("/", join(root, "esc"));
        symlinkSync("/", join(dest, "esc"));
        symlinkSync("../..", join(dest, "up"));
        const before = snapshot(box, dest);
        const fd = openRoot(root);
        try {
          await extractTar(fd, Readable.from([buildTar(entries)]), { dest: "/dest", noOverwriteDirNonDir: false });
        } catch {
          // refusing is fine; what counts is what was written
        } finally {
          closeSync(fd);
        }
        const after = snapshot(box, dest);
        if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`written outside the destination:\n${after.filter((x) => !before.includes(x)).join("\n")}\nmissing:\n${before.filter((x) => !after.includes(x)).join("\n")}`);
      } finally {
        rmSync(box, { recursive: true, force: true });
      }
    }),
});
