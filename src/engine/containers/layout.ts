// Where a container's files go. The exec root (a tmpfs, /run/skiff) holds what lives with the
// processes: the bundle, the monitor's socket and exit file, the runtime's state. The data root
// holds what outlives a reboot: the log and the network files docker keeps beside it.
import { join } from "node:path";
import type { ContainerFiles } from "./record.ts";

export interface EngineRoots {
  dataRoot: string;
  execRoot: string;
}

export function containerFiles(roots: EngineRoots, id: string): ContainerFiles {
  const data = join(roots.dataRoot, "containers", id);
  const state = join(roots.execRoot, "containers", id);
  return {
    bundle: state,
    stateDir: state,
    logPath: join(data, `${id}-json.log`),
    hostnamePath: join(data, "hostname"),
    hostsPath: join(data, "hosts"),
    resolvConfPath: join(data, "resolv.conf"),
  };
}

/** The monitor's files, relative to the state dir (sockets stay short whatever the root). */
export const MONITOR = {
  socket: "monitor.sock",
  console: "console.sock",
  exitFile: "exit",
  errorLog: "monitor.log",
  pidFile: "init.pid",
} as const;

/** The monitor's files in a state dir (relative to it), as MonitorConfig takes them: containers' and execs' alike. */
export const monitorFiles = (dir: string) => ({ dir, socket: MONITOR.socket, exitFile: MONITOR.exitFile, fileMode: 0o640, errorLog: MONITOR.errorLog, pidFile: MONITOR.pidFile });

/** A runtime's state root (its --root), one per runtime name, under the exec root. */
export const runtimeRoot = (roots: EngineRoots, runtime: string): string => join(roots.execRoot, "runtime", runtime);
