// The per-container monitor (native/monitor, conmon's model): start it, follow its start-up, and
// talk to it through its socket and files.
export { monitorArgs, monitorBinary, type MonitorConfig, type MonitorLog } from "./command.ts";
export { startMonitor, type Monitor, type MonitorReady, type MonitoredCommand } from "./start.ts";
export { monitorSpawner } from "./spawner.ts";
export { attach, connectMonitor, probeMonitor, resize, waitExit, waitSocket, type AttachOptions, type MonitorProbe } from "./socket.ts";
export { exitRecorded, parseExitFile, readExitFile, rfc3339Nano, type ContainerExit } from "./exit-file.ts";
export { decodeWait, describeWait, type WaitStatus } from "./wait-status.ts";
export { STREAM, FRAME_HEADER_SIZE } from "./protocol.ts";
export { endMonitorsIn, monitorsIn } from "./strays.ts";
