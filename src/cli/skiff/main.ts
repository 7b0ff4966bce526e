// skiff: the CLI of skiffd, with docker's commands, flags, output and exit codes (0; 1 for an
// error; 125 for a misuse of the command line). Each command loads its module when it runs.
import { configureErrorReport, refused, reportError } from "./report-error.ts";
import { writeErr, writeOut } from "../../common/stdio.ts";
import { ownEntry, parseFlags, type FlagSpec, type FlagValues } from "../args.ts";
import type { Command } from "./command.ts";
import { commandHelp } from "./command-help.ts";
import { FILE_COMMANDS, FILE_SUBCOMMANDS } from "./file-commands.ts";
import { VOLUME_COMMANDS, VOLUME_SUBCOMMANDS, VOLUME_USAGE } from "./volume-commands.ts";
import { NETWORK_COMMANDS, NETWORK_SUBCOMMANDS, NETWORK_USAGE } from "./network-commands.ts";
import { CONTAINER_COMMANDS, CONTAINER_INSPECT, CONTAINER_PRUNE, CONTAINER_SUBCOMMANDS, CONTAINER_USAGE } from "./container-commands.ts";
import { STATS, SYSTEM_ONLY, SYSTEM_SUBCOMMANDS, SYSTEM_USAGE } from "./system-commands.ts";
import { misuse, readCommandWords, seeHelp } from "./command-words.ts";

const VERSION = "0.1.0";
const images = () => import("./commands/images.ts");
const ops = () => import("./commands/image-ops.ts");
const transfer = () => import("./commands/transfer.ts");
const archive = () => import("./commands/archive.ts");
const login = () => import("./commands/login.ts");
const system = () => import("./commands/system.ts");
const searching = () => import("./commands/search.ts");
const doctoring = () => import("./doctor/doctor-command.ts");

const GLOBAL: FlagSpec[] = [
  { names: ["host", "H"], type: "string" },
  { names: ["debug", "D"], type: "bool" },
  { names: ["log-level", "l"], type: "string" },
  { names: ["version", "v"], type: "bool" },
  { names: ["help", "h"], type: "bool" },
];
const FORMAT: FlagSpec = { names: ["format", "f"], type: "string", help: "Format output using a custom template: 'json' or a Go template" };
const PLATFORM = (help: string): FlagSpec => ({ names: ["platform"], type: "string", help });
const QUIET = (help: string): FlagSpec => ({ names: ["quiet", "q"], type: "bool", help });

export const COMMANDS: Record<string, Command> = {
  images: {
    usage: "images [OPTIONS] [REPOSITORY[:TAG]]",
    summary: "List images",
    flags: [
      { names: ["all", "a"], type: "bool", help: "Show all images (default hides intermediate images)" },
      QUIET("Only show image IDs"),
      { names: ["no-trunc"], type: "bool", help: "Don't truncate output" },
      { names: ["digests"], type: "bool", help: "Show digests" },
      { names: ["format"], type: "string", help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
      { names: ["filter", "f"], type: "strings", value: "filter", help: "Filter output based on conditions provided (reference, before, since, until, label, dangling)" },
    ],
    args: [0, 1],
    run: async (c) => (await images()).listImages(c),
  },
  rmi: {
    usage: "rmi [OPTIONS] IMAGE [IMAGE...]",
    summary: "Remove one or more images",
    flags: [
      { names: ["force", "f"], type: "bool", help: "Force removal of the image" },
      { names: ["no-prune"], type: "bool", help: "Do not delete untagged parents" },
    ],
    args: [1, -1],
    run: async (c) => (await ops()).removeImages(c),
  },
  tag: { usage: "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", flags: [], args: [2, 2], run: async (c) => (await ops()).tagImage(c) },
  prune: {
    usage: "image prune [OPTIONS]",
    summary: "Remove unused images",
    flags: [
      { names: ["all", "a"], type: "bool", help: "Remove all unused images, not just dangling ones" },
      { names: ["force", "f"], type: "bool", help: "Do not prompt for confirmation" },
      { names: ["filter"], type: "strings", value: "filter", help: "Provide filter values (e.g. \"until=<timestamp>\")" },
    ],
    args: [0, 0],
    run: async (c) => (await ops()).pruneImages(c),
  },
  pull: {
    usage: "pull [OPTIONS] NAME[:TAG|@DIGEST]",
    summary: "Download an image from a registry",
    flags: [QUIET("Suppress verbose output"), PLATFORM("Set platform if server is multi-platform capable"), { names: ["all-tags", "a"], type: "bool", help: "Download all tagged images in the repository" }],
    args: [1, 1],
    run: async (c) => (await transfer()).pull(c),
  },
  push: {
    usage: "push [OPTIONS] NAME[:TAG]",
    summary: "Upload an image to a registry",
    flags: [QUIET("Suppress verbose output"), { names: ["all-tags", "a"], type: "bool", help: "Push all tags of an image to the repository" }],
    args: [1, 1],
    run: async (c) => (await transfer()).push(c),
  },
  search: {
    usage: "search [OPTIONS] TERM",
    summary: "Search a registry for images (it needs docker's v1 search API, as Docker Hub has)",
    flags: [
      { names: ["filter", "f"], type: "strings", value: "filter", help: "Filter output based on conditions provided (is-official, is-automated, stars)" },
      { names: ["format"], type: "string", help: "Pretty-print search using a Go template" },
      { names: ["limit"], type: "int", help: "Max number of search results (default 25)" },
      { names: ["no-trunc"], type: "bool", help: "Don't truncate output" },
    ],
    args: [1, 1],
    run: async (c) => (await searching()).search(c),
  },
  save: {
    usage: "save [OPTIONS] IMAGE [IMAGE...]",
    summary: "Save one or more images to a tar archive (streamed to STDOUT by default)",
    flags: [{ names: ["output", "o"], type: "string", help: "Write to a file, instead of STDOUT" }],
    args: [1, -1],
    run: async (c) => (await archive()).save(c),
  },
  load: {
    usage: "load [OPTIONS]",
    summary: "Load an image from a tar archive or STDIN",
    flags: [{ names: ["input", "i"], type: "string", help: "Read from tar archive file, instead of STDIN" }, QUIET("Suppress the load output")],
    args: [0, 0],
    run: async (c) => (await archive()).load(c),
  },
  import: {
    usage: "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    summary: "Import the contents from a tarball to create a filesystem image",
    flags: [
      { names: ["change", "c"], type: "strings", help: "Apply Dockerfile instruction to the created image" },
      { names: ["message", "m"], type: "string", help: "Set commit message for imported image" },
      PLATFORM("Set platform if server is multi-platform capable"),
    ],
    args: [1, 2],
    run: async (c) => (await archive()).importImage(c),
  },
  login: {
    usage: "login [OPTIONS] [SERVER]",
    summary: "Log in to a registry",
    flags: [
      { names: ["username", "u"], type: "string", help: "Username" },
      { names: ["password", "p"], type: "string", help: "Password" },
      { names: ["password-stdin"], type: "bool", help: "Take the password from stdin" },
    ],
    args: [0, 1],
    run: async (c) => (await login()).login(c),
  },
  logout: { usage: "logout [SERVER]", summary: "Log out from a registry", flags: [], args: [0, 1], run: async (c) => (await login()).logout(c) },
  doctor: {
    usage: "doctor [OPTIONS]",
    summary: "Check the kernel, the host and skiffd for what skiff needs, and say what is missing",
    flags: [
      { names: ["format"], type: "string", help: "Format output: 'json' for the findings as JSON" },
      { names: ["data-root"], type: "string", help: "Data root whose free space counts when skiffd does not answer (default \"/var/lib/skiff\")" },
    ],
    args: [0, 0],
    run: async (c) => (await doctoring()).doctor(c),
  },
  version: { usage: "version [OPTIONS]", summary: "Show the skiff version information", flags: [FORMAT], args: [0, 0], run: async (c) => (await system()).version(c, VERSION) },
  info: { usage: "info [OPTIONS]", summary: "Display system-wide information", flags: [FORMAT], args: [0, 0], run: async (c) => (await system()).info(c, VERSION) },
  ...CONTAINER_COMMANDS,
  stats: STATS,
  ...FILE_COMMANDS,
};

const IMAGE_INSPECT: Command = {
    usage: "image inspect [OPTIONS] IMAGE [IMAGE...]",
    summary: "Display detailed information on one or more images",
    flags: [FORMAT, { names: ["type"], type: "string", help: "Only inspect objects of the given type (image)" }, PLATFORM("Inspect a specific platform of the image")],
    args: [1, -1],
    run: async (c) => (await ops()).inspectImages(c),
  };

/** Commands reached only as `skiff image SUB` or `skiff container SUB`. */
const SUBCOMMAND_ONLY: Record<string, Command> = { "image-inspect": IMAGE_INSPECT, "container-prune": CONTAINER_PRUNE, "container-inspect": CONTAINER_INSPECT, ...SYSTEM_ONLY, ...VOLUME_COMMANDS, ...NETWORK_COMMANDS };

/** `skiff image SUB` → the command it names. */
const IMAGE_SUBCOMMANDS: Record<string, string> = { ls: "images", list: "images", rm: "rmi", remove: "rmi", tag: "tag", inspect: "image-inspect", prune: "prune", pull: "pull", push: "push", save: "save", load: "load", import: "import", history: "history" };

const USAGE = `Usage:  skiff [OPTIONS] COMMAND

A client of skiffd, with docker's commands

Options:
  -H, --host string   Daemon socket to connect to (default: $SKIFF_HOST, else $DOCKER_HOST, else unix:///run/skiff/skiff.sock)
  -D, --debug         Enable debug mode
  -v, --version       Print version information and quit

Common Commands:
  run         Create and run a new container from an image
  exec        Execute a command in a running container
  ps          List containers
  images      List images (also: image ls)
  pull        Download an image from a registry
  push        Upload an image to a registry
  login       Log in to a registry
  logout      Log out from a registry
  info        Display system-wide information
  doctor      Check the kernel, the host and skiffd for what skiff needs
  version     Show the skiff version information

Management Commands:
  container   Manage containers: ls, run, create, start, stop, restart, kill, pause, unpause, wait, rm, logs, attach, exec, inspect, top, rename, port, update, prune, cp, diff, export, commit
  image       Manage images: ls, inspect, history, prune, rm, tag, pull, push, save, load, import
  network     Manage networks: create, ls, inspect, rm, prune, connect, disconnect
  system      Manage skiff: df, events, info, prune
  volume      Manage volumes: create, ls, inspect, rm, prune

Commands:
  attach      Attach local standard input, output, and error streams to a running container
  commit      Create a new image from a container's changes
  cp          Copy files/folders between a container and the local filesystem
  create      Create a new container
  events      Get real time events from the server
  diff        Inspect changes to files or directories on a container's filesystem
  export      Export a container's filesystem as a tar archive
  history     Show the history of an image
  import      Import the contents from a tarball to create a filesystem image
  inspect     Return low-level information on containers and images
  kill        Kill one or more running containers
  load        Load an image from a tar archive or STDIN
  logs        Fetch the logs of a container
  pause       Pause all processes within one or more containers
  port        List port mappings or a specific mapping for the container
  rename      Rename a container
  restart     Restart one or more containers
  rm          Remove one or more containers
  rmi         Remove one or more images
  save        Save one or more images to a tar archive (streamed to STDOUT by default)
  search      Search a registry for images
  start       Start one or more stopped containers
  stats       Display a live stream of container(s) resource usage statistics
  stop        Stop one or more running containers
  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
  top         Display the running processes of a container
  unpause     Unpause all processes within one or more containers
  update      Update configuration of one or more containers
  wait        Block until one or more containers stop, then print their exit codes
`;

const IMAGE_USAGE = `Usage:  skiff image COMMAND

Manage images

Commands:
  history     Show the history of an image
  import      Import the contents from a tarball to create a filesystem image
  inspect     Display detailed information on one or more images
  load        Load an image from a tar archive or STDIN
  ls          List images
  prune       Remove unused images
  pull        Download an image from a registry
  push        Upload an image to a registry
  rm          Remove one or more images
  save        Save one or more images to a tar archive (streamed to STDOUT by default)
  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE

Run 'skiff image COMMAND --help' for more information on a command.
`;

export { argCountMessage, seeHelp } from "./command-words.ts";

/** What a command line asks for, once the global flags are read: text to print, or a command to run. */
export type Resolved = { print: string; toStderr?: boolean } | { name: string; cmd: Command; flags: FlagValues; args: string[] };

/** The command, its flags and arguments in `rest` (what follows the global flags); CLI_USAGE (or a flag's error) for a misuse. */
export function resolveCommand(rest: readonly string[], help = false): Resolved {
  // `skiff help [COMMAND…]`, as docker's: the command's help
  if (rest[0] === "help" && !help) {
    if (rest.length === 1) return { print: USAGE };
    try {
      return resolveCommand([...rest.slice(1), "--help"]);
    } catch {
      throw refused("CLI_USAGE", `unknown help topic: ${rest.slice(1).join(" ")}`, "Run 'skiff --help' for the commands");
    }
  }
  let [name, ...words] = rest;
  const group = name === "image" || name === "container" || name === "system" || name === "volume" || name === "network" ? name : undefined;
  if (group) {
    const sub = words[0];
    // (asked for, the usage goes to stdout; a group named alone gets it on stderr, as docker's)
    if (!sub || sub === "--help" || sub === "-h") return { print: { image: IMAGE_USAGE, container: CONTAINER_USAGE, system: SYSTEM_USAGE, volume: VOLUME_USAGE, network: NETWORK_USAGE }[group], toStderr: !sub };
    name = ownEntry({ image: IMAGE_SUBCOMMANDS, container: { ...CONTAINER_SUBCOMMANDS, ...FILE_SUBCOMMANDS }, system: SYSTEM_SUBCOMMANDS, volume: VOLUME_SUBCOMMANDS, network: NETWORK_SUBCOMMANDS }[group], sub);
    // a group takes no flags but --help: "-x" is an unknown flag to docker, not a command
    if (!name && sub.startsWith("-")) throw misuse(`${group}: unknown flag ${sub.split("=")[0]}`, seeHelp(group));
    if (!name) throw refused("CLI_USAGE", `unknown command: skiff ${group} ${sub}`, `Run 'skiff ${group} --help' for more information`);
    words = words.slice(1);
  }
  if (!name || help) return { print: USAGE };
  const cmd = (group && ownEntry(SUBCOMMAND_ONLY, name)) || ownEntry(COMMANDS, name);
  if (!cmd) throw refused("CLI_USAGE", `unknown command: skiff ${name}`, "Run 'skiff --help' for more information");
  const read = readCommandWords(name, cmd, words);
  return "help" in read ? { print: commandHelp(cmd) } : { name, cmd, ...read };
}

export async function main(argv: string[]): Promise<number> {
  try {
    const global = parseFlags(argv, GLOBAL, "", true, "skiff");
    configureErrorReport({ debug: !!global.flags.debug || global.flags["log-level"] === "debug" });
    if (global.flags.version) return writeOut(`skiff version ${VERSION}\n`), 0;
    const r = resolveCommand(global.rest, !!global.flags.help);
    if ("print" in r) return (r.toStderr ? writeErr : writeOut)(r.print), 0;
    const { ApiClient, socketPathFromHost } = await import("../../api/client.ts");
    const debug = !!global.flags.debug || global.flags["log-level"] === "debug";
    // --debug: each request's way through the daemon's layers, as it comes back
    const trace = debug ? (request: string, steps: { what: string; ms: number }[], total: number) => writeErr(`trace: ${request} (${total.toFixed(1)} ms round trip): ${steps.map((s) => `${s.what} ${s.ms}ms`).join(" → ")}\n`) : undefined;
    return await r.cmd.run({ client: new ApiClient(socketPathFromHost(global.flags.host as string | undefined), { trace }), flags: r.flags, args: r.args });
  } catch (e) {
    return reportError(e);
  }
}

