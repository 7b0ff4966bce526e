// skiffd: the daemon, with dockerd's flags for the same things. Serves the Docker Engine API on a
// unix socket until SIGTERM or SIGINT, then closes the listener and removes its socket and pid file.
// SIGHUP, which asks dockerd to reload its configuration, is logged and otherwise ignored: there is
// nothing to reload yet, and a hangup must not kill the daemon. A failure to start is one message
// (layer, what failed, errno, hint) and exit status 1; never a stack trace.
import { errnoOf, errnoText } from "../../common/errno.ts";
import { isSkiffError, invalid, SkiffError } from "../../common/errors.ts";
import { configureLog } from "../../common/log.ts";
import { writeErr, writeOut } from "../../common/stdio.ts";
import { parseFlags, type FlagSpec } from "../args.ts";
import { formatError } from "../skiff/report-error.ts";

const FLAGS: FlagSpec[] = [
  { names: ["data-root"], type: "string" },
  { names: ["exec-root"], type: "string" },
  { names: ["host", "H"], type: "strings" },
  { names: ["pidfile", "p"], type: "string" },
  { names: ["insecure-registry"], type: "strings" },
  { names: ["debug", "D"], type: "bool" },
  { names: ["log-level", "l"], type: "string" },
  { names: ["version", "v"], type: "bool" },
  { names: ["help", "h"], type: "bool" },
];

const USAGE = `Usage:	skiffd [OPTIONS]

A self-sufficient runtime for containers, serving the Docker Engine API.

Options:
      --data-root string          Root directory of persistent state (default "/var/lib/skiff")
  -D, --debug                     Enable debug mode
      --exec-root string          Root directory for execution state files (default "/run/skiff")
  -H, --host list                 Daemon socket to listen on (default unix:///run/skiff/skiff.sock)
      --insecure-registry list    Registries reached over plain HTTP
  -p, --pidfile string            Path to use for daemon PID file (default "/run/skiff/skiffd.pid")
  -v, --version                   Print version information and quit
`;

/** "unix:///run/x.sock" or "/run/x.sock" → the socket path; other schemes are not served. */
export function socketPathOf(host: string): string {
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  if (host.startsWith("/")) return host;
  throw invalid("cli", "CLI_HOST_UNSUPPORTED", `listen on "${host}": only unix sockets are served`, "pass -H unix:///PATH/TO/skiff.sock");
}

/** Any start-up failure as a SkiffError: errno errors name their call and path; others their message. */
export function startupFailure(e: unknown): SkiffError {
  if (isSkiffError(e)) return e;
  const errno = errnoOf(e);
  const err = e as { syscall?: string; path?: string; message?: string };
  if (errno && /^E[A-Z0-9]+$/.test(errno))
    return new SkiffError({
      layer: "api",
      kind: "internal",
      code: "API_STARTUP_FAILED",
      message: `start skiffd: ${err.syscall ?? "system call"}${err.path ? ` "${err.path}"` : ""}: ${errnoText(errno)}`,
      hint: errno === "EACCES" || errno === "EPERM" ? "start skiffd as root" : "check the paths given with --data-root, --exec-root, -H and --pidfile",
      cause: e,
      details: { errno, ...(err.path ? { path: err.path } : {}) },
    });
  return new SkiffError({
    layer: "api",
    kind: "internal",
    code: "API_STARTUP_FAILED",
    message: `start skiffd: ${err?.message ?? String(e)}`,
    hint: "run with --debug for the stack trace",
    cause: e,
  });
}

export async function main(argv: string[]): Promise<number> {
  let debug = false;
  try {
    const { flags, args } = parseFlags(argv, FLAGS, "skiffd");
    if (flags.help) return writeOut(USAGE), 0;
    if (flags.version) {
      const { SKIFF_VERSION } = await import("../../api/daemon.ts");
      return writeOut(`skiffd version ${SKIFF_VERSION}\n`), 0;
    }
    if (args.length) throw invalid("cli", "CLI_UNEXPECTED_ARGUMENT", `skiffd: unexpected argument "${args[0]}"`, "skiffd takes flags only; see skiffd --help");
    debug = !!flags.debug || flags["log-level"] === "debug";
    configureLog({ debug });
    const hosts = (flags.host as string[] | undefined) ?? ["unix:///run/skiff/skiff.sock"];
    const { startDaemon, stderrLog } = await import("../../api/daemon.ts");
    const log = stderrLog(debug);
    // from now on, a hangup (a closed terminal, a reload request) must not kill the daemon
    process.on("SIGHUP", () => log.info("SIGHUP received: nothing to reload (skiffd has no reloadable configuration yet); still running"));
    const daemon = await startDaemon({
      dataRoot: (flags["data-root"] as string | undefined) ?? "/var/lib/skiff",
      execRoot: (flags["exec-root"] as string | undefined) ?? "/run/skiff",
      socketPath: socketPathOf(hosts[hosts.length - 1]!),
      pidFile: (flags.pidfile as string | undefined) ?? "/run/skiff/skiffd.pid",
      insecureRegistries: (flags["insecure-registry"] as string[] | undefined) ?? [],
      debug,
      log,
    });
    // (startDaemon logged "API listen on …": once, with or without --debug)
    return await new Promise<number>((resolve) => {
      const shutdown = (sig: string) => {
        log.info(`${sig} received, shutting down`);
        daemon.stop();
        resolve(0);
      };
      process.on("SIGTERM", () => shutdown("SIGTERM"));
      process.on("SIGINT", () => shutdown("SIGINT"));
    });
  } catch (e) {
    const err = startupFailure(e);
    writeErr(`skiffd: ${formatError(err)}\n`);
    if (debug && !isSkiffError(e)) writeErr(`${(e as Error)?.stack ?? String(e)}\n`);
    return err.code.startsWith("CLI_") ? 125 : 1;
  }
}
