// `skiff run` and `skiff create` without main.ts: 20 `run -d` at once pay the CLI's start-up 20
// times on two cores (issue 10's burst), and main.ts's command tables (every command's flags and
// help) cost each call ~1.5 ms of CPU (measured: 48.8 -> 47.2 ms for `run -d`).
// Only the plain form is read here: `run` or `create` as the first word (no global flag), flags
// that parse with the command's own spec and parser, and an argument count the command takes.
// Anything else (a global flag, --help, a flag that does not parse, a wrong count, `container
// run`) is main.ts's, which reads it again and reports what is wrong. The words are read by the
// same readCommandWords as main.ts's; command-line.fuzz.ts's fastPath checks both take generated
// command lines alike.
import type { FlagValues } from "../args.ts";
import type { Command } from "./command.ts";
import { readCommandWords } from "./command-words.ts";
import { CONTAINER_COMMANDS } from "./container-commands.ts";

export interface FastCall {
  name: "run" | "create";
  cmd: Command;
  flags: FlagValues;
  args: string[];
}

/** The call, if argv (what follows the program's name) is a plain run or create; undefined for main.ts. */
export function parseFastCall(argv: readonly string[]): FastCall | undefined {
  const name = argv[0];
  if (name !== "run" && name !== "create") return undefined;
  const cmd = CONTAINER_COMMANDS[name]!;
  try {
    const read = readCommandWords(name, cmd, argv.slice(1));
    return "help" in read ? undefined : { name, cmd, ...read };
  } catch {
    return undefined; // (main.ts reads it again and reports it)
  }
}

/** Runs the call as main.ts runs a command: a client of the daemon SKIFF_HOST or DOCKER_HOST names (or the default), errors reported alike. */
export async function runFastCall(call: FastCall): Promise<number> {
  try {
    const { ApiClient, socketPathFromHost } = await import("../../api/client.ts");
    return await call.cmd.run({ client: new ApiClient(socketPathFromHost(undefined)), flags: call.flags, args: call.args });
  } catch (e) {
    return (await import("./report-error.ts")).reportError(e);
  }
}
