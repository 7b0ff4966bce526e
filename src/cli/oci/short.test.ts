// short.ts reads the plain calls of the short commands without main.ts (issue 9). Whatever it
// takes, main.ts's parser must read the same way: a seeded property over command lines made of
// the tokens that matter, with main.ts's own parsing steps as the oracle.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { ownEntry, parseFlags } from "../args.ts";
import { COMMANDS, GLOBAL } from "./main.ts";
import { parseShortCall, type ShortCall } from "./short.ts";

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** What main.ts does with argv up to running the command: the call, or undefined for anything
 * that is not a valid short command (an error, --help, --version, another command). */
function viaMain(argv: string[]): ShortCall | undefined {
  try {
    const g = parseFlags(argv, GLOBAL, "skiff-oci", true);
    const format = str(g.flags["log-format"]) ?? "text";
    if (format !== "text" && format !== "json") return undefined;
    if (g.flags.version) return undefined;
    const [name, ...rest] = g.rest;
    if (!name || g.flags.help || name === "help" || g.flags["systemd-cgroup"]) return undefined;
    if (name !== "start" && name !== "state" && name !== "kill" && name !== "delete") return undefined;
    const command = ownEntry(COMMANDS, name)!;
    const parsed = parseFlags(rest, [...command.flags, { names: ["help", "h"], type: "bool" }], name, command.stopAtArg, "skiff-oci");
    if (parsed.flags.help) return undefined;
    const [min, max] = command.args;
    if (parsed.args.length < min || parsed.args.length > max) return undefined;
    return { root: str(g.flags.root), log: str(g.flags.log), format, debug: !!g.flags.debug, command: name, args: parsed.args, flag: !!(parsed.flags.all ?? parsed.flags.force) };
  } catch {
    return undefined;
  }
}

const TOKENS = [
  "--root", "--root=/r", "--root=", "/r", "-root", "--log", "--log=/l", "/l", "--log-format", "--log-format=json", "json", "text", "xml",
  "--debug", "--debug=false", "--debug=true", "-debug", "--all", "-a", "--all=true", "--force", "-f", "--force=false", "-h", "--help", "--",
  "-", "", "state", "start", "kill", "delete", "list", "help", "c1", "c2", "KILL", "9", "--version", "-v", "--systemd-cgroup", "--criu", "x=y",
];

test("every call short.ts takes, main.ts reads the same way (seeded property)", () => {
  const line = fc.array(fc.constantFrom(...TOKENS), { maxLength: 9 });
  let taken = 0;
  fc.assert(
    fc.property(line, (argv) => {
      const call = parseShortCall(argv);
      if (!call) return;
      taken++;
      expect(call).toEqual(viaMain(argv)!);
      expect(viaMain(argv)).toBeDefined();
    }),
    { numRuns: 20000, seed: 9 },
  );
  expect(taken).toBeGreaterThan(100);
});

test("the calls engines make take the short path", () => {
  for (const argv of [
    ["--root", "/r", "state", "c1"],
    ["--root=/r", "start", "c1"],
    ["--root", "/r", "--log", "/l", "--log-format", "json", "kill", "--all", "c1", "KILL"],
    ["--root", "/r", "--log", "/l", "--log-format", "json", "delete", "--force", "c1"],
    ["--debug", "--root", "/r", "delete", "c1"],
    ["state", "c1"],
  ]) {
    expect(parseShortCall(argv)).toEqual(viaMain(argv)!);
  }
  for (const argv of [["--root", "/r", "state"], ["state", "c1", "--help"], ["--systemd-cgroup", "state", "c1"], ["--log-format", "xml", "state", "c1"], ["list"], ["kill", "c1", "KILL", "x"]])
    expect(parseShortCall(argv)).toBeUndefined();
});
