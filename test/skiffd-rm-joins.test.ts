// An rm that comes while --rm's removal of the same container is under way joins that removal, and
// returns as an rm of its own would: once the container's networks are let go (the plugins' DEL has
// ended), though --rm's removal itself leaves the DEL running. The race is made wide on purpose:
// the runtime (--runtime runc, through a wrapper first on skiffd's PATH) takes a second for each
// delete, so --rm's removal, which starts after the exit's own delete, is under way from about 1 s
// to 2 s after the exit; the bridge plugin (a wrapper first on $CNI_PATH) takes 4 s to DEL, and
// notes the container once the real plugin has returned.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tempDir } from "./harness/oci.ts";
import { ok, removeDir, type Skiffd } from "./harness/skiffd.ts";
import { skiffdWithBusybox, stopClean } from "./harness/skiffd-leftovers.ts";

let d: Skiffd | undefined;
const dir = tempDir("rm-joins");
const delDone = join(dir, "del-done");

function script(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

beforeAll(async () => {
  const runc = spawnSync("sh", ["-c", "command -v runc"], { encoding: "utf8" }).stdout.trim();
  script(join(dir, "bin/runc"), `#!/bin/sh\nfor a; do if [ "$a" = delete ]; then sleep 1; break; fi; done\nexec ${runc} "$@"\n`);
  script(join(dir, "cni/bridge"), `#!/bin/sh\nif [ "$CNI_COMMAND" = DEL ]; then\n  sleep 4\n  /usr/lib/cni/bridge; rc=$?\n  echo "$CNI_CONTAINERID" >> ${delDone}\n  exit $rc\nfi\nexec /usr/lib/cni/bridge\n`);
  d = await skiffdWithBusybox([], { PATH: `${join(dir, "bin")}:${process.env.PATH}`, CNI_PATH: `${join(dir, "cni")}:/usr/lib/cni` });
}, 120_000);

afterAll(async () => {
  if (d) await stopClean(d);
  if (d) removeDir(d.dir);
  removeDir(dir);
});

test("an rm joining --rm's removal returns once the networks' DEL has ended, as its own removal would", async () => {
  const id = ok(d!.skiff(["run", "-d", "--rm", "--runtime", "runc", "busybox", "true"])).trim();
  // the container exits at once: the exit's delete takes a second, then --rm's removal another
  await Bun.sleep(1500);
  const rm = d!.skiff(["rm", "-f", id]);
  expect([rm.status, rm.stderr]).toEqual([0, ""]);
  expect(existsSync(delDone) ? readFileSync(delDone, "utf8") : "").toContain(id);
}, 60_000);
