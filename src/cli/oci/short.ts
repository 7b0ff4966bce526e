// The short commands (start, state, kill, delete) as engines call them, without main.ts: they are
// bound by start-up (issue 9's budget: no more work after Bun's start than runc does after its
// own), and main.ts's parser, command tables and chunks cost them ~1 ms before any work. Only the
// plain forms are read here: the global flags --root, --log, --log-format text|json and --debug
// (as `--flag value` or `--flag=value`), then the command, its own flags (kill's --all/-a,
// delete's --force/-f) and its arguments. Anything else (another flag or form, a wrong argument
// count, --help, --) is main.ts's, which parses, checks and reports it. What is read here runs
// exactly as main.ts would run it; test/oci-short-path checks both give the same.
// No regular expression and no Array method runs here: the first of each costs a compiled Bun
// ~0.1-0.4 ms (its engine compiles the regexp, and Array's JS builtins, on first use).
import { configureLog } from "../../common/log.ts";
import { writeOut } from "../../common/stdio.ts";
import { deleteContainer, killContainer, ociState, startContainer } from "../../runtime/lifecycle.ts";
import { parseSignal } from "../../runtime/signals.ts";
import { StateStore } from "../../runtime/state-store.ts";
import { defaultRoot, reportFailure, traced } from "./failure.ts";

export interface ShortCall {
  root?: string;
  log?: string;
  format: "text" | "json";
  debug: boolean;
  command: "start" | "state" | "kill" | "delete";
  args: string[];
  /** kill --all, delete --force */
  flag: boolean;
}

const VALUE_FLAGS = ["--root", "--log", "--log-format"];

/** The call, if argv is a plain call of a short command; undefined for main.ts to parse. */
export function parseShortCall(argv: readonly string[]): ShortCall | undefined {
  const values: Record<string, string> = {};
  let debug = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.charCodeAt(0) !== 45 /* - */) break;
    if (a === "--debug") {
      debug = true;
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (name !== VALUE_FLAGS[0] && name !== VALUE_FLAGS[1] && name !== VALUE_FLAGS[2]) return undefined;
    const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (value === undefined) return undefined;
    values[name] = value;
  }
  const format = values["--log-format"] ?? "text";
  if (format !== "text" && format !== "json") return undefined;
  const command = argv[i];
  if (command !== "start" && command !== "state" && command !== "kill" && command !== "delete") return undefined;
  const own = command === "kill" ? ["--all", "-a"] : command === "delete" ? ["--force", "-f"] : undefined;
  const args: string[] = [];
  let flag = false;
  for (i++; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.charCodeAt(0) !== 45) args.push(a);
    else if (own && (a === own[0] || a === own[1])) flag = true;
    else return undefined;
  }
  if (args.length < 1 || args.length > (command === "kill" ? 2 : 1)) return undefined;
  return { root: values["--root"], log: values["--log"], format, debug, command, args, flag };
}

/** Runs a short command as main.ts runs it: the same store, log, output, trace and exit status.
 *  state and kill return at once (the first promise a compiled Bun settles costs ~0.3 ms). */
export function runShortCall(call: ShortCall): number | Promise<number> {
  try {
    configureLog({ file: call.log, format: call.format, debug: call.debug });
    const store = new StateStore(call.root ?? defaultRoot());
    const id = call.args[0]!;
    if (call.command === "state") writeOut(JSON.stringify(ociState(store, store.read(id)), null, "  ") + "\n");
    else if (call.command === "kill") killContainer(store, id, parseSignal(call.args[1] ?? "SIGTERM", { zero: true }), call.flag);
    else return (call.command === "start" ? startContainer(store, id) : deleteContainer(store, id, call.flag)).then(() => traced(0, call.debug), (e) => reportFailure(e, 1));
    return traced(0, call.debug);
  } catch (e) {
    return reportFailure(e, 1);
  }
}
