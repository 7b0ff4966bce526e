// skiff-oci: an OCI runtime with runc's command line.
import { invalid, SkiffError } from "../../common/errors.ts";
import { configureLog, log, type LogFormat } from "../../common/log.ts";
import { OCI_VERSION } from "../../runtime/hook-state.ts";
import { parseSignal } from "../../runtime/signals.ts";
import { StateStore } from "../../runtime/state-store.ts";
import { ownEntry, parseFlags, type FlagSpec, type FlagValues } from "../args.ts";
import { formatTable } from "../table.ts";
import type { Command } from "./command.ts";
import { CONTROL_COMMANDS } from "./control.ts";
import { EXEC_FLAGS } from "./exec-flags.ts";
import { writeOut } from "../../common/stdio.ts";
import { defaultRoot, reportFailure, traced } from "./failure.ts";

// Each command loads what it needs when it runs: start-up is part of every call's time, and a
// `kill` should not pay for evaluating the plan builder and the seccomp compiler. The short
// commands (start, state, kill, delete) import one chunk, lifecycle's: a second import() starts
// a JavaScriptCore thread (seen with strace: kill did, ~1-3 ms with the exit's wait for it).
const lifecycle = () => import("../../runtime/lifecycle.ts");

const VERSION = "0.1.0";

export const GLOBAL: FlagSpec[] = [
  { names: ["root"], type: "string" },
  { names: ["log"], type: "string" },
  { names: ["log-format"], type: "string" },
  { names: ["debug"], type: "bool" },
  { names: ["systemd-cgroup"], type: "bool" },
  { names: ["rootless"], type: "string" },
  { names: ["criu"], type: "string" },
  { names: ["version", "v"], type: "bool" },
  { names: ["help", "h"], type: "bool" },
];

const createFlags: FlagSpec[] = [
  { names: ["bundle", "b"], type: "string" },
  { names: ["pid-file"], type: "string" },
  { names: ["console-socket"], type: "string" },
  { names: ["no-pivot"], type: "bool" },
  { names: ["no-new-keyring"], type: "bool" },
  { names: ["preserve-fds"], type: "int" },
];

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export const COMMANDS: Record<string, Command> = {
  spec: {
    usage: "spec [--bundle DIR] [--rootless]",
    flags: [{ names: ["bundle", "b"], type: "string" }, { names: ["rootless"], type: "bool" }],
    args: [0, 0],
    run: async ({ flags }) => {
      const { existsSync, writeFileSync } = await import("node:fs");
      const bundle = str(flags.bundle) ?? ".";
      if (!existsSync(bundle)) throw invalid("cli", "CLI_BUNDLE_MISSING", `spec: bundle directory ${bundle} does not exist`, "create it first, or pass --bundle DIR");
      const path = (await import("node:path")).join(bundle, "config.json");
      if (existsSync(path)) throw invalid("cli", "CLI_SPEC_EXISTS", `write ${path}: file exists`, "remove it first");
      const { defaultSpec } = await import("../../runtime/spec-default.ts");
      writeFileSync(path, JSON.stringify(defaultSpec({ rootless: !!flags.rootless }), null, "\t") + "\n");
      return 0;
    },
  },
  create: {
    usage: "create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot] [--preserve-fds N] ID",
    flags: createFlags,
    args: [1, 1],
    run: async ({ store, flags, args }) => {
      const { createContainer } = await import("../../runtime/create.ts");
      await createContainer(store, { id: args[0]!, ...createOptions(flags) });
      return 0;
    },
  },
  run: {
    usage: "run [--bundle DIR] [--detach] [--pid-file FILE] [--console-socket PATH] ID",
    flags: [...createFlags, { names: ["detach", "d"], type: "bool" }, { names: ["keep"], type: "bool" }, { names: ["no-subreaper"], type: "bool" }],
    args: [1, 1],
    run: async ({ store, flags, args }) => (await import("./run.ts")).runForeground(store, { id: args[0]!, ...createOptions(flags) }, { detach: !!flags.detach, keep: !!flags.keep }),
  },
  start: {
    usage: "start ID",
    flags: [],
    args: [1, 1],
    run: async ({ store, args }) => (await (await lifecycle()).startContainer(store, args[0]!), 0),
  },
  state: {
    usage: "state ID",
    flags: [],
    args: [1, 1],
    run: async ({ store, args }) => {
      const { ociState } = await lifecycle();
      writeOut(JSON.stringify(ociState(store, store.read(args[0]!)), null, "  ") + "\n");
      return 0;
    },
  },
  exec: {
    usage: "exec [--tty] [--detach] [--user UID[:GID]] [--env K=V] [--cwd DIR] [--cap CAP] [--process FILE] ID [COMMAND ARGS...]",
    flags: EXEC_FLAGS,
    args: [1, Infinity],
    stopAtArg: true,
    failureStatus: 255,
    run: async ({ store, flags, args }) => (await import("./exec.ts")).execCommand(store, args, flags),
  },
  kill: {
    usage: "kill [--all] ID [SIGNAL]",
    flags: [{ names: ["all", "a"], type: "bool" }],
    args: [1, 2],
    run: async ({ store, flags, args }) => {
      (await lifecycle()).killContainer(store, args[0]!, parseSignal(args[1] ?? "SIGTERM", { zero: true }), !!flags.all);
      return 0;
    },
  },
  delete: {
    usage: "delete [--force] ID",
    flags: [{ names: ["force", "f"], type: "bool" }],
    args: [1, 1],
    run: async ({ store, flags, args }) => (await (await lifecycle()).deleteContainer(store, args[0]!, !!flags.force), 0),
  },
  list: {
    usage: "list [--format table|json] [--quiet]",
    flags: [{ names: ["format", "f"], type: "string" }, { names: ["quiet", "q"], type: "bool" }],
    args: [0, 0],
    run: async ({ store, flags }) => {
      // as runc's: the root is made when it is missing (an engine lists before its first create)
      // (a root that is there, a file among them, is left to the listing, which names what is wrong)
      const fs = await import("node:fs");
      if (!fs.existsSync(store.root)) fs.mkdirSync(store.root, { recursive: true, mode: 0o700 });
      // (as runc's: one that cannot be read is named on stderr, the others are listed)
      const list = (await lifecycle()).listContainers(store, (id, e) => log.warn(`load container ${id}: ${e instanceof Error ? e.message : String(e)}`));
      const format = str(flags.format) ?? "table";
      if (flags.quiet) writeOut(list.map((c) => c.id + "\n").join(""));
      else if (format === "json") writeOut(JSON.stringify(list.map((c) => ({ ...c, owner: c.owner || "root" }))) + "\n");
      else if (format === "table")
        writeOut(formatTable(["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], list.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created, c.owner || "root"])));
      else throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `list: unknown format "${format}"`, "use --format table or --format json");
      return 0;
    },
  },
};

function createOptions(flags: FlagValues) {
  return {
    bundle: str(flags.bundle) ?? ".",
    pidFile: str(flags["pid-file"]),
    consoleSocket: str(flags["console-socket"]),
    noPivot: !!flags["no-pivot"],
    preserveFds: typeof flags["preserve-fds"] === "number" ? flags["preserve-fds"] : 0,
    noNewKeyring: !!flags["no-new-keyring"],
  };
}

/** A command's usage line and every flag it takes (the usage line names the common ones only). */
function commandHelp(command: Command): string {
  const flag = (f: FlagSpec) => f.names.map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(", ") + (f.type === "bool" ? "" : ` ${f.type === "strings" ? "VALUE (repeatable)" : "VALUE"}`);
  return [`usage: skiff-oci ${command.usage}`, ...(command.flags.length ? ["", "flags:", ...command.flags.map((f) => `  ${flag(f)}`)] : []), ""].join("\n");
}

function usage(): string {
  return [
    "skiff-oci: an OCI runtime with runc's command line",
    "",
    "usage: skiff-oci [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [ARGS]",
    "",
    "commands:",
    ...[...Object.values(COMMANDS), ...Object.values(CONTROL_COMMANDS)].map((c) => `  ${c.usage}`),
    "",
  ].join("\n");
}

/** Exit statuses as runc's (urfave/cli): 3 for an unknown command, 1 for any other failure. */
const UNKNOWN_COMMAND_STATUS = 3;

export async function main(argv: string[]): Promise<number> {
  let failureStatus = 1;
  try {
    const global = parseFlags(argv, GLOBAL, "skiff-oci", true);
    const format = str(global.flags["log-format"]) ?? "text";
    if (format !== "text" && format !== "json") throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `skiff-oci: --log-format must be text or json, got "${format}"`, "use --log-format json");
    configureLog({ file: str(global.flags.log), format: format as LogFormat, debug: !!global.flags.debug });
    if (global.flags.version) {
      writeOut(`skiff-oci version ${VERSION}\nspec: ${OCI_VERSION}\n`);
      return 0;
    }
    let [name, ...rest] = global.rest;
    // `help COMMAND` and `h COMMAND`, as runc's: that command's help
    if ((name === "help" || name === "h") && rest.length && !global.flags.help) [name, rest] = [rest[0]!, ["--help"]];
    if (!name || global.flags.help || name === "help" || name === "h") {
      writeOut(usage());
      return 0;
    }
    // only the commands that make or change a cgroup need its driver: the others (state, kill,
    // delete, list…, which engines call with the flag too) run as under runc
    if (global.flags["systemd-cgroup"] && (name === "create" || name === "run" || name === "update"))
      throw new SkiffError({ layer: "runtime", code: "RUNTIME_UNSUPPORTED", kind: "failed_precondition", message: `${name} with systemd cgroups: not supported by skiff-oci yet`, hint: "drop --systemd-cgroup (cgroupfs is used), or set the engine's cgroup manager to cgroupfs (podman: --cgroup-manager cgroupfs)" });
    // runc's commands that need CRIU: known, and refused as runc refuses them without it (status 1)
    if (name === "checkpoint" || name === "restore")
      throw new SkiffError({ layer: "runtime", code: "RUNTIME_UNSUPPORTED", kind: "failed_precondition", message: `${name}: not supported by skiff-oci (it has no CRIU support)`, hint: "checkpoint and restore the container with runc (and criu) instead, or stop and start it" });
    const command = ownEntry(COMMANDS, name) ?? ownEntry(CONTROL_COMMANDS, name);
    if (!command) {
      failureStatus = UNKNOWN_COMMAND_STATUS;
      throw invalid("cli", "CLI_UNKNOWN_COMMAND", `skiff-oci: unknown command "${name}"`, "see: skiff-oci --help");
    }
    const parsed = parseFlags(rest, [...command.flags, { names: ["help", "h"], type: "bool" }], name, command.stopAtArg, "skiff-oci");
    if (command.stopAtArg) parsed.args.push(...parsed.rest);
    if (parsed.flags.help) {
      writeOut(commandHelp(command));
      return 0;
    }
    const [min, max] = command.args;
    if (parsed.args.length < min || parsed.args.length > max)
      throw invalid("cli", "CLI_BAD_ARGUMENTS", `${name}: expects ${min === max ? min : max === Infinity ? `at least ${min}` : `${min} to ${max}`} argument${(max === Infinity ? min : max) === 1 ? "" : "s"}, got ${parsed.args.length}`, `usage: skiff-oci ${command.usage}`);
    const store = new StateStore(str(global.flags.root) ?? defaultRoot());
    failureStatus = command.failureStatus ?? 1;
    return traced(await command.run({ store, flags: parsed.flags, args: parsed.args }), !!global.flags.debug);
  } catch (e) {
    return reportFailure(e, failureStatus);
  }
}
