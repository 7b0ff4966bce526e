// The end of a bench run that starts engines: stop them, then remove what the run put on the host
// whatever happened (benches that start engines share this, so each leaves the same nothing).
import { readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RUN_TAG, TEST_STATE_ROOT } from "../../test/harness/leaks.ts";
import type { Engine } from "./engines.ts";
import { hostState, leftBehind, type HostState } from "./measure.ts";

/** Stops the engines in `started`, newest first, and empties it; what a stop reports, or how it
 *  failed, goes into `notes` (a failed stop does not keep the others running). */
export async function stopEngines(started: Engine[], notes: string[]): Promise<void> {
  for (const e of started.splice(0).reverse()) {
    try {
      notes.push(...(await e.stop()));
    } catch (err) {
      notes.push(`${e.label}: stop: ${err}`);
    }
  }
}

/** Removes the run's directory `dir`, its /tmp and state roots, and its cgroup parent in every
 *  hierarchy (runc leaves the parents of containers' cgroups). */
export function removeRunState(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`/tmp/${RUN_TAG}`, { recursive: true, force: true });
  rmSync(TEST_STATE_ROOT, { recursive: true, force: true });
  for (const h of readdirSync("/sys/fs/cgroup")) {
    try {
      rmdirSync(join("/sys/fs/cgroup", h, RUN_TAG));
    } catch {}
  }
}

/** The host as a run finds it, for `reportCleanUp` at its end. */
export const runHostState = (): HostState => hostState([RUN_TAG], RUN_TAG);

/** Prints what the engines' stops noted and what the run left on the host against `before`. */
export function reportCleanUp(notes: string[], before: HostState): void {
  if (notes.length) console.log(`\nclean-up notes:\n  ${notes.join("\n  ")}`);
  const left = leftBehind(before, runHostState());
  console.log(left.length ? `\nleft behind (or made meanwhile by another run on this machine):\n  ${left.join("\n  ")}` : "\nnothing left behind (mounts, cgroups, processes, netns, iptables rules, engine state dirs)");
}

/** On SIGINT or SIGTERM (once): `stop()` the engines, then `after()`, and exit 130. */
export function stopOnInterrupt(stop: () => Promise<unknown>, after: () => void = () => {}): void {
  let interrupted = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${sig}: stopping the engines`);
      void stop().finally(() => {
        after();
        process.exit(130);
      });
    });
}
