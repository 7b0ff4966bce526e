// The cgroup every container is made under (--cgroup-parent, /skiff by default). The runtime makes
// a missing parent with the container that first needs it and removes it with that container only,
// so a parent that several containers shared stayed on the host for good once they were gone
// (/sys/fs/cgroup/*/skiff after the README's demo). The engine chose the parent, so it takes it
// back: when skiffd made it (it was not there when the daemon started), it is removed when the
// daemon stops and no container is left in it. A parent that was there before (a user's, with
// limits of its own) is never removed. That skiffd made it outlives a daemon restart in a marker
// file in the exec root (gone at reboot, as the cgroups are).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupDirs, readCgroupLayout, removeCgroup } from "../../runtime/cgroups/manager.ts";

export const DEFAULT_CGROUP_PARENT = "/skiff";

export class CgroupParent {
  private readonly dirs: string[];
  private readonly marker: string;

  constructor(
    readonly path: string,
    execRoot: string,
  ) {
    this.dirs = cgroupDirs(readCgroupLayout(), path, "").dirs;
    this.marker = join(execRoot, "cgroup-parent-made");
    if (!this.ours() && this.dirs.length > 0 && this.dirs.every((d) => !existsSync(d))) {
      mkdirSync(execRoot, { recursive: true });
      writeFileSync(this.marker, path);
    }
  }

  /** Removes the parent where it is empty, if skiffd made it; one that still holds a container stays. */
  release(): void {
    if (!this.ours()) return;
    try {
      removeCgroup(this.dirs, []);
    } catch {
      return; // (another error than in use: the parent stays, and so does the marker)
    }
    if (this.dirs.every((d) => !existsSync(d))) rmSync(this.marker, { force: true });
  }

  private ours(): boolean {
    try {
      return readFileSync(this.marker, "utf8") === this.path;
    } catch {
      return false;
    }
  }
}
