// skiff's container commands (docker's names, usage lines, flags and help words), each loading its
// module when it runs; main.ts adds them to its table and `skiff container SUB` names them too.
import type { FlagSpec } from "../args.ts";
import type { Command } from "./command.ts";
import { CREATE_FLAGS, RUN_FLAGS } from "./create-flags.ts";

const runMod = () => import("./commands/run.ts");
const ops = () => import("./commands/container-ops.ts");
const ps = () => import("./commands/ps.ts");
const logs = () => import("./commands/logs.ts");
const attach = () => import("./commands/attach.ts");
const exec = () => import("./commands/exec.ts");
const inspect = () => import("./commands/inspect.ts");
const events = () => import("./commands/events.ts");
const update = () => import("./commands/update.ts");

const DETACH_KEYS: FlagSpec = { names: ["detach-keys"], type: "string", help: "Override the key sequence for detaching a container" };
const SIGNAL: FlagSpec = { names: ["signal", "s"], type: "string", help: "Signal to send to the container" };
const TIMEOUT: FlagSpec = { names: ["timeout", "t", "time"], type: "string", value: "int", help: "Seconds to wait before killing the container" };

export const CONTAINER_COMMANDS: Record<string, Command> = {
  events: {
    usage: "events [OPTIONS]",
    summary: "Get real time events from the server",
    flags: [
      { names: ["filter", "f"], type: "strings", value: "filter", help: "Filter output based on conditions provided" },
      { names: ["format"], type: "string", help: "Format output using a custom template: 'json' or a Go template" },
      { names: ["since"], type: "string", help: "Show all events created since timestamp" },
      { names: ["until"], type: "string", help: "Stream events until this timestamp" },
    ],
    args: [0, 0],
    run: async (c) => (await events()).events(c),
  },
  run: { usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]", summary: "Create and run a new container from an image", flags: RUN_FLAGS, args: [1, -1], interspersed: false, run: async (c) => (await runMod()).run(c) },
  create: { usage: "create [OPTIONS] IMAGE [COMMAND] [ARG...]", summary: "Create a new container", flags: CREATE_FLAGS, args: [1, -1], interspersed: false, run: async (c) => (await runMod()).create(c) },
  start: {
    usage: "start [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Start one or more stopped containers",
    flags: [{ names: ["attach", "a"], type: "bool", help: "Attach STDOUT/STDERR and forward signals" }, DETACH_KEYS, { names: ["interactive", "i"], type: "bool", help: "Attach container's STDIN" }],
    args: [1, -1],
    run: async (c) => (await attach()).start(c),
  },
  stop: { usage: "stop [OPTIONS] CONTAINER [CONTAINER...]", summary: "Stop one or more running containers", flags: [SIGNAL, TIMEOUT], args: [1, -1], run: async (c) => (await ops()).stop(c) },
  restart: { usage: "restart [OPTIONS] CONTAINER [CONTAINER...]", summary: "Restart one or more containers", flags: [SIGNAL, TIMEOUT], args: [1, -1], run: async (c) => (await ops()).restart(c) },
  kill: { usage: "kill [OPTIONS] CONTAINER [CONTAINER...]", summary: "Kill one or more running containers", flags: [SIGNAL], args: [1, -1], run: async (c) => (await ops()).kill(c) },
  pause: { usage: "pause CONTAINER [CONTAINER...]", summary: "Pause all processes within one or more containers", flags: [], args: [1, -1], run: async (c) => (await ops()).pause(c) },
  unpause: { usage: "unpause CONTAINER [CONTAINER...]", summary: "Unpause all processes within one or more containers", flags: [], args: [1, -1], run: async (c) => (await ops()).unpause(c) },
  wait: { usage: "wait CONTAINER [CONTAINER...]", summary: "Block until one or more containers stop, then print their exit codes", flags: [], args: [1, -1], run: async (c) => (await ops()).wait(c) },
  rm: {
    usage: "rm [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Remove one or more containers",
    flags: [
      { names: ["force", "f"], type: "bool", help: "Force the removal of a running container (uses SIGKILL)" },
      { names: ["link", "l"], type: "bool", help: "Remove the specified link" },
      { names: ["volumes", "v"], type: "bool", help: "Remove anonymous volumes associated with the container" },
    ],
    args: [1, -1],
    run: async (c) => (await ops()).remove(c),
  },
  ps: {
    usage: "ps [OPTIONS]",
    summary: "List containers",
    flags: [
      { names: ["all", "a"], type: "bool", help: "Show all containers (default shows just running)" },
      { names: ["filter", "f"], type: "strings", value: "filter", help: "Filter output based on conditions provided" },
      { names: ["format"], type: "string", help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
      { names: ["last", "n"], type: "string", value: "int", help: "Show n last created containers (includes all states) (default -1)" },
      { names: ["latest", "l"], type: "bool", help: "Show the latest created container (includes all states)" },
      { names: ["no-trunc"], type: "bool", help: "Don't truncate output" },
      { names: ["quiet", "q"], type: "bool", help: "Only display container IDs" },
      { names: ["size", "s"], type: "bool", help: "Display total file sizes" },
    ],
    args: [0, 0],
    run: async (c) => (await ps()).listContainers(c),
  },
  logs: {
    usage: "logs [OPTIONS] CONTAINER",
    summary: "Fetch the logs of a container",
    flags: [
      { names: ["details"], type: "bool", help: "Show extra details provided to logs" },
      { names: ["follow", "f"], type: "bool", help: "Follow log output" },
      { names: ["since"], type: "string", help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
      { names: ["tail", "n"], type: "string", help: 'Number of lines to show from the end of the logs (default "all")' },
      { names: ["timestamps", "t"], type: "bool", help: "Show timestamps" },
      { names: ["until"], type: "string", help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    ],
    args: [1, 1],
    run: async (c) => (await logs()).logs(c),
  },
  attach: {
    usage: "attach [OPTIONS] CONTAINER",
    summary: "Attach local standard input, output, and error streams to a running container",
    flags: [DETACH_KEYS, { names: ["no-stdin"], type: "bool", help: "Do not attach STDIN" }, { names: ["sig-proxy"], type: "bool", help: "Proxy all received signals to the process (default true)" }],
    args: [1, 1],
    run: async (c) => (await attach()).attach(c),
  },
  exec: {
    usage: "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
    summary: "Execute a command in a running container",
    flags: [
      { names: ["detach", "d"], type: "bool", help: "Detached mode: run command in the background" },
      DETACH_KEYS,
      { names: ["env", "e"], type: "strings", value: "list", help: "Set environment variables" },
      { names: ["env-file"], type: "strings", value: "list", help: "Read in a file of environment variables" },
      { names: ["interactive", "i"], type: "bool", help: "Keep STDIN open even if not attached" },
      { names: ["privileged"], type: "bool", help: "Give extended privileges to the command" },
      { names: ["tty", "t"], type: "bool", help: "Allocate a pseudo-TTY" },
      { names: ["user", "u"], type: "string", help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
      { names: ["workdir", "w"], type: "string", help: "Working directory inside the container" },
    ],
    args: [2, -1],
    interspersed: false,
    run: async (c) => (await exec()).exec(c),
  },
  inspect: {
    usage: "inspect [OPTIONS] NAME|ID [NAME|ID...]",
    summary: "Return low-level information on containers and images",
    flags: [
      { names: ["format", "f"], type: "string", help: "Format output using a custom template: 'json' or a Go template" },
      { names: ["size", "s"], type: "bool", help: "Display total file sizes if the type is container" },
      { names: ["type"], type: "string", help: "Only inspect objects of the given type (container, image, network or volume)" },
    ],
    args: [1, -1],
    run: async (c) => (await inspect()).inspect(c),
  },
  top: { usage: "top CONTAINER [ps OPTIONS]", summary: "Display the running processes of a container", flags: [], args: [1, -1], interspersed: false, run: async (c) => (await ops()).top(c) },
  rename: { usage: "rename CONTAINER NEW_NAME", summary: "Rename a container", flags: [], args: [2, 2], run: async (c) => (await ops()).rename(c) },
  update: {
    usage: "update [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Update configuration of one or more containers",
    flags: [
      { names: ["blkio-weight"], type: "string", value: "uint16", help: "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)" },
      { names: ["cpu-period"], type: "string", value: "int", help: "Limit CPU CFS (Completely Fair Scheduler) period" },
      { names: ["cpu-quota"], type: "string", value: "int", help: "Limit CPU CFS (Completely Fair Scheduler) quota" },
      { names: ["cpu-shares", "c"], type: "string", value: "int", help: "CPU shares (relative weight)" },
      { names: ["cpus"], type: "string", value: "decimal", help: "Number of CPUs" },
      { names: ["cpuset-cpus"], type: "string", help: "CPUs in which to allow execution (0-3, 0,1)" },
      { names: ["cpuset-mems"], type: "string", help: "MEMs in which to allow execution (0-3, 0,1)" },
      { names: ["memory", "m"], type: "string", value: "bytes", help: "Memory limit" },
      { names: ["memory-reservation"], type: "string", value: "bytes", help: "Memory soft limit" },
      { names: ["memory-swap"], type: "string", value: "bytes", help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
      { names: ["pids-limit"], type: "string", value: "int", help: "Tune container pids limit (set -1 for unlimited)" },
      { names: ["restart"], type: "string", help: "Restart policy to apply when a container exits" },
    ],
    args: [1, -1],
    run: async (c) => (await update()).update(c),
  },
  port: { usage: "port CONTAINER [PRIVATE_PORT[/PROTO]]", summary: "List port mappings or a specific mapping for the container", flags: [], args: [1, 2], run: async (c) => (await ops()).port(c) },
};

/** `skiff container prune`: a command of its own (plain `prune` is the image's). */
export const CONTAINER_PRUNE: Command = {
  usage: "container prune [OPTIONS]",
  summary: "Remove all stopped containers",
  flags: [
    { names: ["filter"], type: "strings", value: "filter", help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { names: ["force", "f"], type: "bool", help: "Do not prompt for confirmation" },
  ],
  args: [0, 0],
  run: async (c) => (await ops()).prune(c),
};

/** `skiff container SUB` → the command it names ("container-prune" is CONTAINER_PRUNE). */
export const CONTAINER_SUBCOMMANDS: Record<string, string> = {
  ls: "ps", list: "ps", ps: "ps", run: "run", create: "create", start: "start", stop: "stop", restart: "restart", kill: "kill", pause: "pause", unpause: "unpause",
  wait: "wait", rm: "rm", remove: "rm", logs: "logs", attach: "attach", exec: "exec", inspect: "container-inspect", top: "top", stats: "stats", rename: "rename", port: "port", prune: "container-prune", update: "update",
};

export const CONTAINER_USAGE = `Usage:  skiff container COMMAND

Manage containers

Commands:
  attach      Attach local standard input, output, and error streams to a running container
  commit      Create a new image from a container's changes
  cp          Copy files/folders between a container and the local filesystem
  create      Create a new container
  diff        Inspect changes to files or directories on a container's filesystem
  exec        Execute a command in a running container
  export      Export a container's filesystem as a tar archive
  inspect     Display detailed information on one or more containers
  kill        Kill one or more running containers
  logs        Fetch the logs of a container
  ls          List containers
  pause       Pause all processes within one or more containers
  port        List port mappings or a specific mapping for the container
  prune       Remove all stopped containers
  rename      Rename a container
  restart     Restart one or more containers
  rm          Remove one or more containers
  run         Create and run a new container from an image
  start       Start one or more stopped containers
  stats       Display a live stream of container(s) resource usage statistics
  stop        Stop one or more running containers
  top         Display the running processes of a container
  unpause     Unpause all processes within one or more containers
  update      Update configuration of one or more containers
  wait        Block until one or more containers stop, then print their exit codes

Run 'skiff container COMMAND --help' for more information on a command.
`;

/** `skiff container inspect`: containers only (--type container). */
export const CONTAINER_INSPECT: Command = {
  usage: "container inspect [OPTIONS] CONTAINER [CONTAINER...]",
  summary: "Display detailed information on one or more containers",
  flags: [
    { names: ["format", "f"], type: "string", help: "Format output using a custom template: 'json' or a Go template" },
    { names: ["size", "s"], type: "bool", help: "Display total file sizes" },
  ],
  args: [1, -1],
  run: async (c) => (await inspect()).inspect({ ...c, flags: { ...c.flags, type: "container" } }),
};
