// Properties of skiff's command line (main.ts's resolveCommand over args.ts's parseFlags and
// expandShortFlags) for fast-check: a short seeded run in main.test.ts, a long one in
// scripts/fuzz.ts. Test code only.
//
// - anyArgv: any words (commands, "image" and its subcommands, names on Object.prototype, every
//   command's flags in each spelling, values, "--", "-", combined short flags, any text) resolve to
//   text to print or a command to run, or fail with a cli-layer SkiffError with a hint; never
//   another error.
// - flagSpellings: --flag VALUE, --flag=VALUE, -f VALUE, -fVALUE, -f=VALUE and -flag VALUE mean the same.
// - shortCombined: -abc means -a -b -c for a command's one-letter bool flags.
// - boolValues: --flag=VALUE of a bool flag reads VALUE as Go's strconv.ParseBool does (docker's
//   and runc's flag packages), and refuses anything else.
// - fastPath: fast-path.ts reads a `run` or `create` command line as main.ts does: the same
//   command, flags and arguments whenever main.ts would run it, and nothing (main.ts's turn) otherwise.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { parseFlags, type FlagValues } from "../args.ts";
import { COMMANDS, resolveCommand, type Resolved } from "./main.ts";
import { parseFastCall } from "./fast-path.ts";

const GLOBAL = [
  { names: ["host", "H"], type: "string" as const },
  { names: ["debug", "D"], type: "bool" as const },
  { names: ["log-level", "l"], type: "string" as const },
  { names: ["version", "v"], type: "bool" as const },
  { names: ["help", "h"], type: "bool" as const },
];

const commandNames = Object.keys(COMMANDS);
const flagWords = Object.values(COMMANDS).flatMap((c) => c.flags.flatMap((f) => f.names.map((n) => (n.length === 1 ? `-${n}` : `--${n}`))));
const word = fc.oneof(
  { arbitrary: fc.constantFrom(...commandNames, "image", "ls", "rm", "list", "constructor", "__proto__", "toString", "hasOwnProperty", "help"), weight: 3 },
  { arbitrary: fc.constantFrom(...flagWords, "-H", "--host", "-D", "--debug", "-v", "--help", "-h", "--", "-", "--=x", "-=", "---x", "-qa", "-aq", "-qf", "-fq", "-af", "--quiet=false", "--quiet=0", "--quiet=", "--all=yes"), weight: 3 },
  { arbitrary: fc.tuple(fc.constantFrom(...flagWords), fc.string({ maxLength: 6 })).map(([f, v]) => `${f}=${v}`), weight: 1 },
  { arbitrary: fc.constantFrom("busybox", "a:1", "unix:///x.sock", "1", "-1", "x", "reference=a*", "{{.ID}}", "json", ""), weight: 2 },
  { arbitrary: fc.string({ maxLength: 10, unit: "binary" }), weight: 1 },
);
export const argv = fc.array(word, { maxLength: 8 });

/** What the command line resolves to, with the global flags; undefined for a refusal (a cli SkiffError with a hint). */
export function resolve(words: readonly string[]): { global: FlagValues; resolved: Resolved } | undefined {
  try {
    const global = parseFlags(words, GLOBAL, "", true, "skiff");
    return { global: global.flags, resolved: resolveCommand(global.rest, !!global.flags.help) };
  } catch (e) {
    if (!isSkiffError(e) || e.layer !== "cli" || !e.hint || !e.code.startsWith("CLI_")) throw e;
    return undefined;
  }
}

/** The part of a resolution that two spellings must share. */
const meaning = (r: ReturnType<typeof resolve>) => JSON.stringify(r && ("print" in r.resolved ? { print: r.resolved.print.slice(0, 40) } : { name: r.resolved.name, flags: r.resolved.flags, args: r.resolved.args }));

export const anyArgv = () => fc.property(argv, (words) => void resolve(words));

const stringFlags = Object.entries(COMMANDS).flatMap(([name, c]) => c.flags.filter((f) => f.type !== "bool").map((f) => ({ name, flag: f })));
const value = fc.string({ maxLength: 8 }).filter((v) => !v.startsWith("-") && v !== "");

export const flagSpellings = () =>
  fc.property(fc.constantFrom(...stringFlags), value, fc.array(fc.constantFrom("x", "y:1", "z"), { maxLength: 2 }), ({ name, flag }, v, rest) => {
    // (a value glued to its letter, -t1 and -t=1, as pflag takes them: refused before but by run and exec)
    const glued = (n: string) => [[`-${n}=${v}`], ...(v.startsWith("=") ? [] : [[`-${n}${v}`]])];
    const forms = flag.names.flatMap((n) => [[`--${n}`, v], [`--${n}=${v}`], [`-${n}`, v], ...(n.length > 1 ? [[`-${n}=${v}`]] : glued(n))]);
    const want = meaning(resolve([name, ...forms[0]!, ...rest]));
    for (const f of forms) {
      const got = meaning(resolve([name, ...f, ...rest]));
      if (got !== want) throw new Error(`skiff ${name} ${f.join(" ")} ${rest.join(" ")}: ${got}, not ${want}`);
    }
  });

const shortBools = Object.entries(COMMANDS)
  .map(([name, c]) => ({ name, letters: c.flags.filter((f) => f.type === "bool").flatMap((f) => f.names.filter((n) => n.length === 1 && n !== "h")) }))
  .filter((c) => c.letters.length >= 2);

export const shortCombined = () =>
  fc.property(fc.constantFrom(...shortBools).chain((c) => fc.tuple(fc.constant(c.name), fc.shuffledSubarray(c.letters, { minLength: 2 }))), ([name, letters]) => {
    const combined = meaning(resolve([name, `-${letters.join("")}`]));
    const apart = meaning(resolve([name, ...letters.map((l) => `-${l}`)]));
    if (combined !== apart) throw new Error(`skiff ${name} -${letters.join("")}: ${combined}, not ${apart}`);
  });

/** Go's strconv.ParseBool. */
const GO_BOOL: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

export const boolValues = () =>
  fc.property(fc.oneof(fc.constantFrom(...Object.keys(GO_BOOL), "", "yes", "no", "tRUE", "2", " true"), fc.string({ maxLength: 4 })), (v) => {
    const r = resolve(["images", `--quiet=${v}`]);
    const want = Object.hasOwn(GO_BOOL, v) ? GO_BOOL[v] : undefined;
    const got = r && !("print" in r.resolved) ? r.resolved.flags.quiet : undefined;
    if (got !== want) throw new Error(`--quiet=${JSON.stringify(v)} reads as ${got}, Go's ParseBool says ${want ?? "an error"}`);
  });

const runFlags = [...COMMANDS.run!.flags, ...COMMANDS.create!.flags];
const runFlagWords = [...new Set(runFlags.flatMap((f) => f.names.flatMap((n) => (n.length === 1 ? [`-${n}`] : [`--${n}`, `-${n}`]))))];
const runWord = fc.oneof(
  { arbitrary: fc.constantFrom(...runFlagWords, "-dit", "-it", "-d", "-h", "--help", "-H", "--debug", "--", "-", "--bogus", "-e", "-eA=1", "-t=1", "--rm=false"), weight: 4 },
  { arbitrary: fc.tuple(fc.constantFrom(...runFlagWords), fc.constantFrom("", "1", "x", "A=1", "none", "64m", "1:2", "-1")).map(([f, v]) => `${f}=${v}`), weight: 1 },
  { arbitrary: fc.constantFrom("busybox", "busybox:latest", "sh", "-c", "echo hi", "1", "none", "host", "x=y", "64m"), weight: 3 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
);

export const fastPath = () =>
  fc.property(fc.constantFrom("run", "create"), fc.array(runWord, { maxLength: 8 }), (name, words) => {
    const argv = [name, ...words];
    const fast = parseFastCall(argv);
    const main = resolve(argv);
    const ran = main && !("print" in main.resolved) ? main.resolved : undefined;
    const show = (r: { name: string; flags: FlagValues; args: string[] } | undefined) => JSON.stringify(r && { name: r.name, flags: r.flags, args: r.args });
    if (show(fast) !== show(ran) || (fast && fast.cmd !== ran!.cmd)) throw new Error(`skiff ${argv.join(" ")}: the fast path reads ${show(fast)}, main.ts ${show(ran)}`);
  });

export const COMMAND_LINE_PROPERTIES: Record<"anyArgv" | "flagSpellings" | "shortCombined" | "boolValues" | "fastPath", () => fc.IRawProperty<any>> = { anyArgv, flagSpellings, shortCombined, boolValues, fastPath };
