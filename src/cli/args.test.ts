import { expect, test } from "bun:test";
import { ownEntry, parseFlags, type FlagSpec } from "./args.ts";

const specs: FlagSpec[] = [
  { names: ["bundle", "b"], type: "string" },
  { names: ["detach", "d"], type: "bool" },
  { names: ["preserve-fds"], type: "int" },
];

test.each([
  [["--bundle", "/x", "id"], { bundle: "/x" }, ["id"]],
  [["--bundle=/x", "id"], { bundle: "/x" }, ["id"]],
  [["-b", "/x", "-d", "id"], { bundle: "/x", detach: true }, ["id"]],
  [["-bundle", "/x", "id"], { bundle: "/x" }, ["id"]],
  [["id", "--preserve-fds", "2"], { "preserve-fds": 2 }, ["id"]],
  [["--detach=false", "--", "-id"], { detach: false }, ["-id"]],
])("parses %j", (argv, flags, args) => {
  const r = parseFlags(argv, specs, "run");
  expect(r.flags).toEqual(flags);
  expect(r.args).toEqual(args);
});

test("global flags stop at the command", () => {
  const r = parseFlags(["--root", "/r", "run", "--bundle", "x"], [{ names: ["root"], type: "string" }], "skiff-oci", true);
  expect(r.flags).toEqual({ root: "/r" });
  expect(r.rest).toEqual(["run", "--bundle", "x"]);
});

test("a bool flag's =VALUE is read as Go's ParseBool reads it, anything else refused (=0 and =no were true)", () => {
  for (const [v, want] of [["1", true], ["t", true], ["True", true], ["0", false], ["F", false], ["FALSE", false]] as const) expect(parseFlags([`--detach=${v}`], specs, "run").flags.detach).toBe(want);
  for (const v of ["", "no", "yes", "2"]) expect(() => parseFlags([`--detach=${v}`], specs, "run")).toThrow(`run: flag --detach takes true or false, got ${JSON.stringify(v)}`);
});

test.each([
  [["--wings"], /unknown flag --wings/],
  [["--bundle"], /flag needs an argument: --bundle$/],
  [["-b"], /flag needs an argument: 'b' in -b$/],
  [["--preserve-fds", "two"], /needs a number, got "two"/],
])("refuses %j", (argv, message) => {
  expect(() => parseFlags(argv, specs, "run")).toThrow(message);
});

test("a command table answers only its own entries (skiff-oci constructor crashed with a stack trace)", () => {
  const table = { run: 1 };
  expect(["run", "constructor", "__proto__", "toString", "hasOwnProperty"].map((n) => ownEntry(table, n))).toEqual([1, undefined, undefined, undefined, undefined]);
});
