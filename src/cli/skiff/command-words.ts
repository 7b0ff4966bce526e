// What follows a command's name on the command line, read as docker's CLI reads it: the flags
// (ending at the first argument for run, create, exec and top), a request for the command's help,
// the arguments and their count. One reading for main.ts and for fast-path.ts (run and create
// without main.ts's tables), so that both take a command line alike. Misuses are thrown in
// docker's words: CLI_USAGE, a flag's own error, exit status 125 (report-error.ts).
import { invalid } from "../../common/errors.ts";
import { expandShortFlags, parseFlags, type FlagValues } from "../args.ts";
import type { Command } from "./command.ts";
import { splitAtFirstArg } from "./flag-words.ts";
import { refused } from "./report-error.ts";

export const misuse = (message: string, hint: string) => invalid("cli", "CLI_USAGE", message, hint);

/** docker's one pointer after a misuse: "See 'skiff images --help'.". */
export const seeHelp = (command?: string): string => `See 'skiff ${command ? `${command} ` : ""}--help'.`;

const count = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;

/** docker's wording for a wrong number of arguments (cli.ExactArgs, RequiresMinArgs, RequiresMaxArgs, RequiresRangeArgs, NoArgs); max -1: no limit. */
export function argCountMessage(command: string, min: number, max: number): string {
  if (max === 0) return `"${command}" accepts no arguments`;
  if (min === max) return `"${command}" requires exactly ${count(min)}`;
  if (max < 0) return `"${command}" requires at least ${count(min)}`;
  if (min === 0) return `"${command}" requires at most ${count(max)}`;
  return `"${command}" requires at least ${min} and at most ${count(max)}`;
}

/** The command's flags and arguments in `words` (what follows its name), or `help` when they ask for its help text. */
export function readCommandWords(name: string, cmd: Command, words: readonly string[]): { help: true } | { flags: FlagValues; args: string[] } {
  // run, create, exec and top: the flags end at the first argument; what follows is the command's own
  const split = cmd.interspersed === false ? splitAtFirstArg(words, cmd.flags) : undefined;
  const flagWords = split?.flagWords ?? [...words];
  if (flagWords.includes("--help") || (flagWords.includes("-h") && !cmd.flags.some((f) => f.names.includes("h")))) return { help: true };
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(expandShortFlags(flagWords, cmd.flags), cmd.flags, name, false, "skiff");
  } catch (e) {
    throw misuse((e as Error).message, seeHelp(name));
  }
  const args = split ? [...parsed.args, ...split.rest] : parsed.args;
  const [min, max] = cmd.args;
  if (args.length < min || (max >= 0 && args.length > max)) throw refused("CLI_USAGE", argCountMessage(`skiff ${name}`, min, max), `${seeHelp(name)}\n\nUsage:  skiff ${cmd.usage}`);
  return { flags: parsed.flags, args };
}
