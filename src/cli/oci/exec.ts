// `exec`: runc's flags → the process to run in the container; in the foreground, forward
// signals and exit with the process's status.
import { readFileSync } from "node:fs";
import { invalid } from "../../common/errors.ts";
import { mark } from "../../common/trace.ts";
import { Checker } from "../../oci/check.ts";
import { checkProcess, MAX_ID, type Process } from "../../oci/runtime-config.ts";
import { baseProcess, execInContainer, readExecTarget, type ExecTarget } from "../../runtime/exec.ts";
import { forwardSignals } from "../../runtime/signals.ts";
import type { StateStore } from "../../runtime/state-store.ts";
import type { FlagValues } from "../args.ts";


const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);

function idNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `exec: ${what} "${text}" is not a number`, "pass --user UID[:GID] with numbers (names are not looked up)");
  // (4294967295 is (uid_t)-1, which setresuid reads as "unchanged": the process would stay root)
  if (Number(text) > MAX_ID) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `exec: ${what} ${text} is out of range: uids and gids must be in range 0-${MAX_ID}`, "pass an id the kernel takes as a user or group (as runc, at most 2147483647)");
  return Number(text);
}

export function execProcess(target: () => ExecTarget, id: string, command: string[], flags: FlagValues): Process {
  const file = str(flags.process);
  if (file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw invalid("cli", "CLI_PROCESS_INVALID", `exec: read ${file}: ${(e as Error).message}`, "--process takes a runtime-spec process JSON file");
    }
    return checkProcess(new Checker("runtime", "RUNTIME_CONFIG_INVALID", file), raw, "process");
  }
  if (command.length === 0) throw invalid("cli", "CLI_BAD_ARGUMENTS", "exec: no command given", "usage: skiff-oci exec [flags] ID COMMAND [ARGS...] or --process FILE");
  const p = baseProcess(target(), id);
  p.args = command;
  for (const e of list(flags.env)) if (!e.includes("=")) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `exec: --env "${e}": not NAME=VALUE`, "give each variable as -e NAME=VALUE (runc refuses a name alone too)");
  p.env = [...p.env, ...list(flags.env)];
  const cwd = str(flags.cwd);
  // as runc's: a relative one is refused (inside the container it would be relative to nothing known)
  if (cwd && !cwd.startsWith("/")) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `exec: --cwd "${cwd}": Cwd must be an absolute path`, "give an absolute path inside the container, such as /tmp");
  if (cwd) p.cwd = cwd;
  if (flags.tty !== undefined) p.terminal = !!flags.tty;
  const user = str(flags.user);
  if (user) {
    const [uid, gid] = user.split(":");
    p.user = { ...p.user, uid: idNumber(uid!, "uid"), gid: gid === undefined ? p.user.gid : idNumber(gid, "gid") };
  }
  if (list(flags["additional-gids"]).length) p.user.additionalGids = list(flags["additional-gids"]).map((g) => idNumber(g, "gid"));
  // As runc since CVE-2022-29162: --cap adds to the bounding, effective and permitted sets, never
  // to the inheritable one (a capability there would survive execve of any program); to the
  // ambient set only when the process already has inheritable ones (ambient needs inheritable).
  // (a name the runtime does not know is left out with a warning at create, as runc's)
  for (const cap of list(flags.cap)) {
    p.capabilities ??= { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
    const sets = p.capabilities.inheritable.length ? (["bounding", "effective", "permitted", "ambient"] as const) : (["bounding", "effective", "permitted"] as const);
    for (const set of sets) p.capabilities[set].push(cap);
  }
  if (flags["no-new-privs"]) p.noNewPrivileges = true;
  if (str(flags.apparmor)) p.apparmorProfile = str(flags.apparmor);
  if (str(flags["process-label"])) p.selinuxLabel = str(flags["process-label"]);
  return p;
}

export async function execCommand(store: StateStore, argv: string[], flags: FlagValues): Promise<number> {
  const [id, ...command] = argv;
  if (!id) throw invalid("cli", "CLI_BAD_ARGUMENTS", "exec: no container id given", "usage: skiff-oci exec [flags] ID COMMAND [ARGS...]");
  const detach = !!flags.detach;
  // the state and config, read once (as late as before: a bad --process file is reported first)
  let read: ExecTarget | undefined;
  const target = () => (read ??= readExecTarget(store, id));
  const { pid, launch } = await execInContainer(store, {
    id, process: execProcess(target, id, command, flags), target: target(), detach, pidFile: str(flags["pid-file"]), consoleSocket: str(flags["console-socket"]),
    preserveFds: typeof flags["preserve-fds"] === "number" ? flags["preserve-fds"] : 0, ignorePaused: !!flags["ignore-paused"],
  });
  if (detach) return 0;
  const stopForwarding = forwardSignals(pid);
  try {
    const status = await launch.proc.exited;
    mark("exited");
    return status;
  } finally {
    stopForwarding();
    launch.close();
  }
}
