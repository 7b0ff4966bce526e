// The flags of `skiff create` and `skiff run`: docker's names, short letters, value names and
// help text (docker 28's `run --help`), for the subset skiff serves. Values are read later, by
// create-body.ts, in docker's way (sizes, CPUs, ulimits, …); int flags are declared as strings so
// that a bad number is refused in docker's words there.
import type { FlagSpec } from "../args.ts";

const list = (names: string[], help: string): FlagSpec => ({ names, type: "strings", value: "list", help });
const str = (names: string[], help: string, value = "string"): FlagSpec => ({ names, type: "string", value, help });
const bool = (names: string[], help: string): FlagSpec => ({ names, type: "bool", help });

export const CREATE_FLAGS: FlagSpec[] = [
  list(["attach", "a"], "Attach to STDIN, STDOUT or STDERR"),
  list(["cap-add"], "Add Linux capabilities"),
  list(["cap-drop"], "Drop Linux capabilities"),
  str(["cgroup-parent"], "Optional parent cgroup for the container"),
  str(["cpu-period"], "Limit CPU CFS (Completely Fair Scheduler) period", "int"),
  str(["cpu-quota"], "Limit CPU CFS (Completely Fair Scheduler) quota", "int"),
  str(["cpu-shares", "c"], "CPU shares (relative weight)", "int"),
  str(["cpus"], "Number of CPUs", "decimal"),
  str(["cpuset-cpus"], "CPUs in which to allow execution (0-3, 0,1)"),
  str(["cpuset-mems"], "MEMs in which to allow execution (0-3, 0,1)"),
  list(["device"], "Add a host device to the container"),
  str(["domainname"], "Container NIS domain name"),
  str(["entrypoint"], "Overwrite the default ENTRYPOINT of the image"),
  list(["env", "e"], "Set environment variables"),
  list(["env-file"], "Read in a file of environment variables"),
  list(["group-add"], "Add additional groups to join"),
  str(["health-cmd"], "Command to run to check health"),
  str(["health-interval"], "Time between running the check (ms|s|m|h) (default 0s)", "duration"),
  str(["health-retries"], "Consecutive failures needed to report unhealthy", "int"),
  str(["health-start-period"], "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)", "duration"),
  str(["health-timeout"], "Maximum time to allow one check to run (ms|s|m|h) (default 0s)", "duration"),
  str(["hostname", "h"], "Container host name"),
  bool(["init"], "Run an init inside the container that forwards signals and reaps processes"),
  bool(["interactive", "i"], "Keep STDIN open even if not attached"),
  list(["label", "l"], "Set meta data on a container"),
  list(["label-file"], "Read in a line delimited file of labels"),
  str(["log-driver"], "Logging driver for the container"),
  list(["log-opt"], "Log driver options"),
  str(["memory", "m"], "Memory limit", "bytes"),
  str(["memory-reservation"], "Memory soft limit", "bytes"),
  str(["memory-swap"], "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", "bytes"),
  str(["memory-swappiness"], "Tune container memory swappiness (0 to 100) (default -1)", "int"),
  list(["mount"], "Attach a filesystem mount to the container"),
  str(["name"], "Assign a name to the container"),
  str(["network", "net"], "Connect a container to a network (none or host; bridge comes with networking)", "network"),
  bool(["oom-kill-disable"], "Disable OOM Killer"),
  bool(["no-healthcheck"], "Disable any container-specified HEALTHCHECK"),
  str(["oom-score-adj"], "Tune host's OOM preferences (-1000 to 1000)", "int"),
  str(["pids-limit"], "Tune container pids limit (set -1 for unlimited)", "int"),
  str(["platform"], "Set platform if server is multi-platform capable"),
  bool(["privileged"], "Give extended privileges to this container"),
  str(["pull"], 'Pull image before running ("always", "missing", "never") (default "missing")'),
  bool(["quiet", "q"], "Suppress the pull output"),
  bool(["read-only"], "Mount the container's root filesystem as read only"),
  str(["restart"], 'Restart policy to apply when a container exits (default "no")'),
  bool(["rm"], "Automatically remove the container and its associated anonymous volumes when it exits"),
  str(["runtime"], "Runtime to use for this container (runc, crun, skiff-oci; default: skiffd's own)"),
  list(["security-opt"], "Security Options"),
  str(["shm-size"], "Size of /dev/shm", "bytes"),
  str(["stop-signal"], "Signal to stop the container"),
  str(["stop-timeout"], "Timeout (in seconds) to stop a container", "int"),
  { names: ["sysctl"], type: "strings", value: "map", help: "Sysctl options (default map[])" },
  list(["tmpfs"], "Mount a tmpfs directory"),
  bool(["tty", "t"], "Allocate a pseudo-TTY"),
  { names: ["ulimit"], type: "strings", value: "ulimit", help: "Ulimit options (default [])" },
  str(["user", "u"], "Username or UID (format: <name|uid>[:<group|gid>])"),
  list(["volume", "v"], "Bind mount a volume"),
  list(["volumes-from"], "Mount volumes from the specified container(s)"),
  str(["workdir", "w"], "Working directory inside the container"),
];

export const RUN_FLAGS: FlagSpec[] = [
  ...CREATE_FLAGS,
  bool(["detach", "d"], "Run container in background and print container ID"),
  str(["detach-keys"], "Override the key sequence for detaching a container"),
  bool(["sig-proxy"], "Proxy received signals to the process (default true)"),
];
