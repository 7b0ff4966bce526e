// skiffd: the daemon, with dockerd's flags for the same things. Serves the Docker Engine API on a
// unix socket until SIGTERM or SIGINT, then closes the listener and removes its socket and pid file.
// SIGHUP, which asks dockerd to reload its configuration, is logged and otherwise ignored: there is
// nothing to reload yet, and a hangup must not kill the daemon. SIGUSR1, dockerd's "dump your
// stacks", logs the daemon's state (pid, uptime, memory) and keeps it running. A failure to start is one message
// (layer, what failed, errno, hint) and exit status 1; never a stack trace.
import { isIP } from "node:net";
import { errnoOf, errnoText } from "../../common/errno.ts";
import { isSkiffError, invalid, SkiffError } from "../../common/errors.ts";
import { configureLog } from "../../common/log.ts";
import { isDeviceName } from "../../common/net-device.ts";
import { writeErr, writeOut } from "../../common/stdio.ts";
import { parseFlags, type FlagSpec } from "../args.ts";
import { formatError } from "../skiff/report-error.ts";

/** The daemon's JIT tier-up thresholds once it listens, as a multiple of JavaScriptCore's: in a burst
 * of 20 `run -d` with its own thresholds the JIT threads took a quarter of skiffd's CPU. */
const DAEMON_JIT_POLICY = 10;

const FLAGS: FlagSpec[] = [
  { names: ["data-root"], type: "string" },
  { names: ["exec-root"], type: "string" },
  { names: ["host", "H"], type: "strings" },
  { names: ["pidfile", "p"], type: "string" },
  { names: ["insecure-registry"], type: "strings" },
  { names: ["cgroup-parent"], type: "string" },
  { names: ["bridge", "b"], type: "string" },
  { names: ["bip"], type: "string" },
  { names: ["debug", "D"], type: "bool" },
  { names: ["log-level", "l"], type: "string" },
  { names: ["version", "v"], type: "bool" },
  { names: ["help", "h"], type: "bool" },
  { names: ["doctor"], type: "bool" },
];

const USAGE = `Usage:	skiffd [OPTIONS]

A self-sufficient runtime for containers, serving the Docker Engine API.

Options:
  -b, --bridge string             The default network's bridge device, made at its first container (default "skiff0")
      --bip string                The default network's bridge address and subnet, e.g. 172.17.0.1/16 (default: the first free of docker's pools)
      --cgroup-parent string      Set parent cgroup for all containers (default "/skiff")
      --data-root string          Root directory of persistent state (default "/var/lib/skiff")
  -D, --debug                     Enable debug mode
      --doctor                    Check the kernel and host for what skiffd needs, print the findings as JSON, and quit
      --exec-root string          Root directory for execution state files (default "/run/skiff")
  -H, --host list                 Daemon socket to listen on (default unix:///run/skiff/skiff.sock)
      --insecure-registry list    Registries reached over plain HTTP
  -p, --pidfile string            Path to use for daemon PID file (default "/run/skiff/skiffd.pid")
  -v, --version                   Print version information and quit
`;

/** dockerd's --cgroup-parent for the cgroupfs driver: a path; a relative one is under the root. */
function cgroupParentOf(v: string | undefined): string {
  if (v === undefined) return "/skiff";
  if (!/^\/?[\w.@-]+(\/[\w.@-]+)*\/?$/.test(v) || v.split("/").includes(".."))
    throw invalid("cli", "CLI_CGROUP_PARENT_INVALID", `--cgroup-parent ${JSON.stringify(v)}: not a cgroup path`, "give a path like /skiff or mygroup/containers");
  return `/${v.replace(/^\/+|\/+$/g, "")}`;
}

/** --bridge: a network device's name (at most 15 bytes: IFNAMSIZ). */
function bridgeOf(v: string | undefined): string {
  if (v === undefined) return "skiff0";
  if (!isDeviceName(v)) throw invalid("cli", "CLI_BRIDGE_INVALID", `--bridge ${JSON.stringify(v)}: not a network device name`, "give at most 15 letters, digits, _ . - (e.g. skiff0)");
  return v;
}

/** $CNI_PATH, the CNI spec's list of plugin directories (as cnitool reads it): where skiffd looks
 *  for the network plugins, before /usr/lib/cni and /opt/cni/bin when unset. */
export function cniPluginDirs(env: string | undefined): { cniPluginDirs?: string[] } {
  const dirs = (env ?? "").split(":").filter((d) => d.startsWith("/"));
  return dirs.length ? { cniPluginDirs: dirs } : {};
}

/** "unix:///run/x.sock" or "/run/x.sock" → the socket path; other schemes are not served. */
export function socketPathOf(host: string): string {
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  if (host.startsWith("/")) return host;
  throw invalid("cli", "CLI_HOST_UNSUPPORTED", `listen on "${host}": only unix sockets are served`, "pass -H unix:///PATH/TO/skiff.sock");
}

/** One label of a host name, as the distribution reference grammar has it (no leading or trailing hyphen). */
const LABEL = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * An --insecure-registry value checked as dockerd checks it: "http://" and "https://" are stripped
 * (with a warning), any other scheme is refused; then it must be a CIDR (IPv4 or IPv6), or
 * host[:port] where host is a name, an IPv4 address, a bare IPv6 address or one in brackets and
 * port is 0-65535. Anything else (a path, a space, a quote) is CLI_INSECURE_REGISTRY_INVALID.
 */
export function insecureRegistryEntry(value: string): { entry: string; warning?: string } {
  const refuse = (why: string) =>
    invalid("cli", "CLI_INSECURE_REGISTRY_INVALID", `--insecure-registry ${JSON.stringify(value)}: ${why}`, "give a registry as host, host:port or a CIDR, without a scheme or path: --insecure-registry myregistry.local:5000, --insecure-registry 10.0.0.0/8");
  let entry = value;
  let warning: string | undefined;
  const scheme = /^([^/]*):\/\//.exec(value);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== "http" && name !== "https") throw refuse("should not contain '://'");
    entry = value.slice(scheme[0].length);
    warning = `insecure registry ${value} should not contain '${scheme[1]}://' and '${scheme[1]}://' has been removed from the insecure registry config`;
  }
  const badHost = () => refuse(`invalid host ${JSON.stringify(entry)}`);
  if (entry.includes("/")) {
    const [addr, bits, ...more] = entry.split("/");
    const family = isIP(addr!);
    if (more.length || !family || !/^\d{1,3}$/.test(bits!) || Number(bits) > (family === 4 ? 32 : 128)) throw badHost();
    return { entry, warning };
  }
  if (isIP(entry) === 6) return { entry, warning };
  let host = entry;
  let port: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(entry);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw refuse(`invalid host ${JSON.stringify(bracketed[1])}`);
    port = bracketed[2];
  } else {
    const colon = entry.indexOf(":");
    if (colon >= 0) {
      if (entry.indexOf(":", colon + 1) >= 0) throw badHost();
      host = entry.slice(0, colon);
      port = entry.slice(colon + 1);
    }
    if (!HOST_NAME.test(host) && isIP(host) !== 4) throw refuse(`invalid host ${JSON.stringify(host)}`);
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) throw refuse(`invalid port ${JSON.stringify(port)}`);
  return { entry, warning };
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
      message: `start: ${err.syscall ?? "system call"}${err.path ? ` "${err.path}"` : ""}: ${errnoText(errno)}`,
      hint: errno === "EACCES" || errno === "EPERM" ? "start skiffd as root" : "check the paths given with --data-root, --exec-root, -H and --pidfile",
      cause: e,
      details: { errno, ...(err.path ? { path: err.path } : {}) },
    });
  return new SkiffError({
    layer: "api",
    kind: "internal",
    code: "API_STARTUP_FAILED",
    message: `start: ${err?.message ?? String(e)}`,
    hint: "run with --debug for the stack trace",
    cause: e,
  });
}

export async function main(argv: string[]): Promise<number> {
  let debug = false;
  try {
    const { flags, args } = parseFlags(argv, FLAGS, "", false, "skiffd");
    if (flags.help) return writeOut(USAGE), 0;
    if (flags.doctor) return (await import("../../daemon/doctor.ts")).runDoctor((flags["data-root"] as string | undefined) ?? "/var/lib/skiff", cniPluginDirs(process.env.CNI_PATH).cniPluginDirs);
    if (flags.version) {
      const { SKIFF_VERSION } = await import("../../daemon/daemon.ts");
      return writeOut(`skiffd version ${SKIFF_VERSION}\n`), 0;
    }
    if (args.length) throw invalid("cli", "CLI_UNEXPECTED_ARGUMENT", `unexpected argument "${args[0]}": skiffd takes flags only`, "See 'skiffd --help'.");
    debug = !!flags.debug || flags["log-level"] === "debug";
    configureLog({ debug });
    const hosts = (flags.host as string[] | undefined) ?? ["unix:///run/skiff/skiff.sock"];
    const insecure = ((flags["insecure-registry"] as string[] | undefined) ?? []).map(insecureRegistryEntry);
    const { startDaemon, stderrLog } = await import("../../daemon/daemon.ts");
    const log = stderrLog(debug);
    // what the engine logs (a runtime that kept a container, a detach that failed …) goes to the
    // daemon's log, in its format; without this it was written only with --debug
    configureLog({ debug, sink: (level, msg, fields) => (level === "warning" ? log.warn : log[level])(msg, fields) });
    for (const { warning } of insecure) if (warning) log.warn(warning);
    // from now on, a hangup (a closed terminal, a reload request) must not kill the daemon
    process.on("SIGHUP", () => log.info("SIGHUP received: nothing to reload (skiffd has no reloadable configuration yet); still running"));
    process.on("SIGUSR1", () => {
      const m = process.memoryUsage();
      log.info(`SIGUSR1 received: pid ${process.pid}, up ${Math.round(process.uptime())}s, rss ${Math.round(m.rss / 1048576)} MiB, heap ${Math.round(m.heapUsed / 1048576)} MiB; still running`);
    });
    const daemon = await startDaemon({
      dataRoot: (flags["data-root"] as string | undefined) ?? "/var/lib/skiff",
      execRoot: (flags["exec-root"] as string | undefined) ?? "/run/skiff",
      socketPath: socketPathOf(hosts[hosts.length - 1]!),
      pidFile: (flags.pidfile as string | undefined) ?? "/run/skiff/skiffd.pid",
      insecureRegistries: [...new Set(insecure.map((i) => i.entry))],
      cgroupParent: cgroupParentOf(flags["cgroup-parent"] as string | undefined),
      defaultBridge: { device: bridgeOf(flags.bridge as string | undefined), ...(flags.bip ? { bip: flags.bip as string } : {}) },
      ...cniPluginDirs(process.env.CNI_PATH),
      debug,
      log,
    });
    // (startDaemon logged "API listen on …": once, with or without --debug)
    // The executable starts with the JIT nearly off, for the short runs of bin/skiff (scripts/build);
    // a daemon runs on, so from here its hot code is compiled, if later than JavaScriptCore would.
    Bun.unsafe.setJITPolicy(DAEMON_JIT_POLICY);
    return await new Promise<number>((resolve) => {
      let stopping = false;
      const shutdown = async (sig: string) => {
        if (stopping) return;
        stopping = true;
        log.info(`${sig} received, shutting down`);
        // a container that just exited may still be detaching from its networks (run --rm, then
        // the stop): let that finish, briefly, rather than leave it to the next start
        await daemon.settle(3000);
        daemon.stop();
        resolve(0);
      };
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
      process.on("SIGINT", () => void shutdown("SIGINT"));
    });
  } catch (e) {
    const err = startupFailure(e);
    writeErr(`skiffd: ${formatError(err)}\n`);
    if (debug && !isSkiffError(e)) writeErr(`${(e as Error)?.stack ?? String(e)}\n`);
    return err.code.startsWith("CLI_") ? 125 : 1;
  }
}
