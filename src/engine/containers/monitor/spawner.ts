// The runtime's Spawner that starts the create (or exec) command under a monitor: the runtime
// sees the command's exit status and the fds it asked for, as with a plain child; the engine gets
// the Monitor to follow the rest of its start-up (the init's pid, ready) and, with attachFirst, to
// attach before the command runs.
import type { Spawner } from "../../../runtime/spawner.ts";
import type { MonitorConfig } from "./command.ts";
import { startMonitor, type Monitor } from "./start.ts";

export function monitorSpawner(config: MonitorConfig, started?: (monitor: Monitor) => void): Spawner {
  if (!config.pidFile) throw new Error("monitorSpawner: a create command needs the pid file it writes");
  return (req) => {
    const monitor = startMonitor(config, { argv: req.argv, fds: req.fds, env: req.env });
    started?.(monitor);
    return { stdio: monitor.stdio, exited: monitor.createExited, unref() {} };
  };
}
