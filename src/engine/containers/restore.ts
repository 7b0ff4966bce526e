// A daemon's start: the containers of the database found again. A running one is followed through
// its monitor; one that exited while no daemon ran gets its exit recorded; a start cut short by the
// daemon's death is undone; a --rm one that does not run is removed; a restart that was due is
// scheduled; containers whose restart policy wants them running are started; state dirs that no
// record names are removed.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { log } from "../../common/log.ts";
import { endMonitorsIn, readExitFile, type ContainerExit } from "./monitor/index.ts";
import { removeContainerDir } from "./container-dirs.ts";
import { MONITOR } from "./layout.ts";
import { isActive, type ContainerRecord } from "./record.ts";
import { restartAtDaemonStart } from "./restart-policy.ts";
import type { Runtimes } from "./runtimes.ts";
import type { HealthHooks } from "./supervisor-hooks.ts";

/** What restoring needs of the supervisor. */
export interface RestoreHooks {
  runtimes: Runtimes;
  health?: HealthHooks;
  /** Where the containers' state dirs are. */
  stateParent: string;
  /** Follows a running container's exit through its monitor. */
  follow(r: ContainerRecord): void;
  /** Records an exit (with the error that explains a lost status). */
  exited(id: string, exit: ContainerExit | undefined, error?: string): Promise<void>;
  /** Starts a container, as the user would. */
  start(r: ContainerRecord): Promise<unknown>;
  /** Removes a container, as --rm does. */
  remove(id: string): Promise<unknown>;
  /** The restart policy's start was due when the daemon went: it runs now. */
  restartDue(id: string): void;
}

/** A monitor still in a state dir that is reused or removed (see monitor/strays.ts) ends first;
 *  one may be there only while its socket is (a monitor removes it as it ends). */
export async function endStrayMonitors(dir: string): Promise<void> {
  if (existsSync(join(dir, MONITOR.socket))) await endMonitorsIn(dir);
}

/** Finds the containers again after a daemon start (see ContainerService.restore). */
export async function restoreContainers(h: RestoreHooks, records: ContainerRecord[]): Promise<void> {
  const known = new Set(records.map((r) => r.id));
  const toStart: ContainerRecord[] = [];
  const toRemove: ContainerRecord[] = [];
  for (const r of records) {
    const dir = r.files.stateDir;
    // between an exit and its policy's start: the start is still due (the back-off from the beginning)
    if (r.state.status === "restarting") {
      h.restartDue(r.id);
      continue;
    }
    if (!isActive(r.state)) {
      // a start cut short: its monitor waits for an init that never comes, the runtime holds the
      // init made so far; the container stays as it was recorded, startable
      if (existsSync(join(dir, MONITOR.socket))) {
        await h.runtimes.get(r.runtime).delete(r.id, { force: true }).catch((e: unknown) => log.warn(`container ${r.id}: the runtime could not delete what a cut-short start made: ${(e as Error).message}`));
        await endMonitorsIn(dir);
        for (const f of Object.values(MONITOR)) rmSync(join(dir, f), { force: true });
      }
      // as dockerd's restore: a --rm container that does not run goes (a daemon that died between
      // its create and its start, or before its removal, left it)
      if (r.options.autoRemove) {
        toRemove.push(r);
        continue;
      }
      const facts = { exitCode: r.state.exitCode, manuallyStopped: r.state.manuallyStopped ?? false, killedByUser: r.state.killedByUser ?? false, restartCount: r.restartCount, startedBefore: !r.state.startedAt.startsWith("0001") };
      if (r.state.status === "exited" && restartAtDaemonStart(r.options.restartPolicy, facts)) toStart.push(r);
      continue;
    }
    // its monitor answers (it runs, or is gone with an exit file): follow; neither: it died unseen
    if (existsSync(join(dir, MONITOR.socket)) || readExitFile(join(dir, MONITOR.exitFile))) {
      h.follow(r);
      if (!readExitFile(join(dir, MONITOR.exitFile))) h.health?.resumed(r);
    } else await h.exited(r.id, undefined, "the container's monitor was gone when the daemon started; its exit status is lost");
  }
  for (const r of toRemove) void h.remove(r.id).catch((e: unknown) => log.warn(`container ${r.id}: --rm could not remove it at daemon start: ${(e as Error).message}`));
  // as dockerd's restore: containers whose policy wants them running are started (as by the user)
  for (const r of toStart) void h.start(r).catch((e: unknown) => log.warn(`container ${r.id}: its restart policy could not start it at daemon start: ${(e as Error).message}`));
  // state dirs that no record names: a crash between making them and recording the container
  const parent = h.stateParent;
  if (existsSync(parent))
    for (const d of readdirSync(parent))
      if (/^[0-9a-f]{64}$/.test(d) && !known.has(d))
        try {
          removeContainerDir(join(parent, d), "state dir");
        } catch (e) {
          log.warn(`a state dir no container names stays: ${(e as Error).message}`);
        }
}
