// `run`: create and start; in the foreground, forward signals to the container, wait for it,
// delete it and exit with its status (128+N when a signal ended it), as runc does.
import { mark } from "../../common/trace.ts";
import { createContainer, type CreateOptions } from "../../runtime/create.ts";
import { deleteContainer, startContainer } from "../../runtime/lifecycle.ts";
import { forwardSignals } from "../../runtime/signals.ts";
import type { StateStore } from "../../runtime/state-store.ts";

export async function runForeground(store: StateStore, opts: CreateOptions, mode: { detach: boolean; keep: boolean }): Promise<number> {
  if (mode.detach) {
    await createContainer(store, opts);
    await startContainer(store, opts.id);
    return 0;
  }
  const { state, launch } = await createContainer(store, { ...opts, foreground: true });
  const stopForwarding = forwardSignals(state.pid);
  try {
    try {
      await startContainer(store, opts.id);
    } catch (e) {
      await deleteContainer(store, opts.id, true);
      throw e;
    }
    mark("started");
    const status = await launch.proc.exited;
    mark("exited");
    return status;
  } finally {
    stopForwarding();
    launch.close();
    if (!mode.keep) {
      try {
        await deleteContainer(store, opts.id, true);
        mark("deleted");
      } catch {}
    }
  }
}
