// Command-line parsing in the style of runc (urfave/cli): global flags before the command,
// `--flag value`, `--flag=value`, `-f value`, single-dash long names, and `--` to end flags.
import { invalid } from "../common/errors.ts";

export interface FlagSpec {
  names: string[];
  /** "strings": repeatable, collected in order. */
  type: "bool" | "string" | "int" | "strings";
  /** One line for --help. */
  help?: string;
  /** The value's name in --help ("string", "list", "filter"); default from the type. */
  value?: string;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export interface Parsed {
  flags: FlagValues;
  args: string[];
}

/** A bool flag's =VALUE as Go's strconv.ParseBool reads it (docker's and runc's flag packages). */
const BOOL: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

/** Parses flags until the first argument (stopAtArg) or through all of argv. `command` names what
 * is parsed in messages ("create"; "" for a program's own flags, whose name its error report
 * prints already); `program` prefixes the --help hint, docker's "See 'PROGRAM COMMAND --help'.". */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string, stopAtArg = false, program?: string): Parsed & { rest: string[] } {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  const flags: FlagValues = {};
  const at = command ? `${command}: ` : "";
  const help = `See '${[program, command].filter(Boolean).join(" ")} --help'.`;
  const args: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      i = argv.length;
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      if (stopAtArg) break;
      args.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = (eq >= 0 ? a.slice(0, eq) : a).replace(/^--?/, "");
    const spec = byName.get(name);
    if (!spec) throw invalid("cli", "CLI_UNKNOWN_FLAG", `${at}unknown flag ${a.slice(0, eq >= 0 ? eq : undefined)}`, help);
    const key = spec.names[0]!;
    if (spec.type === "bool") {
      const v = eq >= 0 ? a.slice(eq + 1) : "true";
      if (!Object.hasOwn(BOOL, v)) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `${at}flag --${name} takes true or false, got ${JSON.stringify(v)}`, `pass --${name} or --${name}=false`);
      flags[key] = BOOL[v]!;
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    // pflag's words: "'o' in -o" for a letter, the flag as typed for a name
    const typed = /^-[^-]$/.test(a) ? `'${name}' in ${a}` : a;
    if (value === undefined) throw invalid("cli", "CLI_FLAG_VALUE_MISSING", `${at}flag needs an argument: ${typed}`, `pass ${a} VALUE`);
    if (spec.type === "int") {
      if (!/^-?\d+$/.test(value)) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `${at}flag --${name} needs a number, got "${value}"`, `pass --${name} N`);
      flags[key] = Number(value);
    } else if (spec.type === "strings") flags[key] = [...((flags[key] as string[] | undefined) ?? []), value];
    else flags[key] = value;
  }
  return { flags, args, rest: argv.slice(i) as string[] };
}

/** docker's (pflag's) single-dash forms: combined bool letters ("-qa" → "-q", "-a"), the last of
 * which may take a value ("-qf x" → "-q", "-f", "x"), and a value glued to its letter ("-t1",
 * "-sKILL", "-fname=x", "-t=1" → "-t", "1" …). An argument that is not made of known letters stays
 * as it is (the parser names it). */
export function expandShortFlags(argv: readonly string[], specs: readonly FlagSpec[]): string[] {
  const short = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) if (n.length === 1) short.set(n, s);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    out.push(...(shortForm(a, short, specs) ?? [a]));
  }
  return out;
}

/** "-abc…" as separate flags (and a glued value), or undefined when it is not one. */
function shortForm(a: string, short: Map<string, FlagSpec>, specs: readonly FlagSpec[]): string[] | undefined {
  if (a.length < 3 || a[0] !== "-" || a[1] === "-") return undefined;
  const body = a.slice(1);
  // (a long name given with one dash, as docker's -rm was once, with or without =VALUE: the parser's)
  const name = body.includes("=") ? body.slice(0, body.indexOf("=")) : body;
  if (specs.some((s) => s.names.includes(name))) return undefined;
  const out: string[] = [];
  for (let k = 0; k < body.length; k++) {
    const spec = short.get(body[k]!);
    if (!spec) return undefined;
    out.push(`-${body[k]}`);
    if (spec.type === "bool") continue;
    const rest = body.slice(k + 1);
    if (rest) out.push(rest.startsWith("=") ? rest.slice(1) : rest);
    return out;
  }
  return out;
}

/** A command table's entry for a name the user typed: own entries only ("constructor" is no command). */
export const ownEntry = <T>(table: Readonly<Record<string, T>>, name: string): T | undefined => (Object.hasOwn(table, name) ? table[name] : undefined);
