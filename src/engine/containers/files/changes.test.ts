import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as sys from "../../../common/sys.ts";
import { readTar } from "../../archive/index.ts";
import { changesOf } from "./changes.ts";
import { openRoot } from "./scoped-open.ts";
import { tarOut } from "./tar-out.ts";

// a container's upper dir over one lower layer, as overlayfs leaves them:
// lower: /bin/ls, /bin/sh, /etc/passwd, /opt/old/x, /etc/hosts
// upper: /bin/ls whited out, /etc/passwd changed, /etc/new added, /opt opaque with /opt/y,
//        /newdir/sub/f added, the runtime's placeholders /etc/hostname, /etc/resolv.conf, /proc
const dir = mkdtempSync("/tmp/skiff-changes-");
const CAPS = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // v2, effective, cap_net_raw
const lower = join(dir, "lower");
const upper = join(dir, "upper");
const put = (root: string, rel: string, data = "x") => {
  mkdirSync(join(root, rel, ".."), { recursive: true });
  writeFileSync(join(root, rel), data);
};

beforeAll(() => {
  for (const f of ["bin/ls", "bin/sh", "etc/passwd", "opt/old/x", "etc/hosts"]) put(lower, f);
  mkdirSync(join(lower, "proc"), { recursive: true });
  mkdirSync(join(upper, "bin"), { recursive: true });
  sys.mknod(join(upper, "bin/ls"), sys.S_IFCHR, 0, 0);
  put(upper, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  put(upper, "etc/new");
  sys.lsetxattr(join(upper, "etc/new"), "security.capability", CAPS);
  put(upper, "etc/hostname", "");
  put(upper, "etc/resolv.conf", "");
  mkdirSync(join(upper, "proc"));
  put(upper, "opt/y");
  sys.lsetxattr(join(upper, "opt"), "trusted.overlay.opaque", "y");
  put(upper, "newdir/sub/f");
  symlinkSync("/etc", join(upper, "newdir/link"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("diff: whiteouts are D, what the image has is C, the rest A; placeholders and their copied-up parents are left out", () => {
  expect(changesOf(upper, [lower]).map((c) => `${"CAD"[c.Kind]} ${c.Path}`)).toEqual([
    "C /bin",
    "D /bin/ls",
    "C /etc",
    "A /etc/new",
    "C /etc/passwd",
    "A /newdir",
    "A /newdir/link",
    "A /newdir/sub",
    "A /newdir/sub/f",
    "C /opt",
    "A /opt/y",
  ]);
});

test("the committed layer: whiteouts as .wh. entries, the opaque marker first in its directory, no placeholders, symlinks as links", async () => {
  const fd = openRoot(upper);
  const names: string[] = [];
  try {
    for await (const e of readTar(tarOut({ parent: fd, base: "" }, "", { overlay: true }))) {
      names.push(e.type === "symlink" ? `${e.name} -> ${e.linkname}` : e.name);
      if (e.name === "etc/new") expect(e.xattrs.get("security.capability")).toEqual(CAPS);
    }
  } finally {
    sys.close(fd);
  }
  expect(names).toEqual(["bin/", "bin/.wh.ls", "etc/", "etc/new", "etc/passwd", "newdir/", "newdir/link -> /etc", "newdir/sub/", "newdir/sub/f", "opt/", "opt/.wh..wh..opq", "opt/y"]);
});
