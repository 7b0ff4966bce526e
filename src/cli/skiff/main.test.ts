import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { SkiffError } from "../../common/errors.ts";
import { COMMAND_LINE_PROPERTIES } from "./command-line.fuzz.ts";
import { argCountMessage, COMMANDS, resolveCommand } from "./main.ts";

test("a wrong number of arguments is worded as docker's CLI words it, with the right plural", () => {
  expect(argCountMessage("skiff import", 1, 2)).toBe('"skiff import" requires at least 1 and at most 2 arguments');
  expect(argCountMessage("skiff tag", 2, 2)).toBe('"skiff tag" requires exactly 2 arguments');
  expect(argCountMessage("skiff pull", 1, 1)).toBe('"skiff pull" requires exactly 1 argument');
  expect(argCountMessage("skiff rmi", 1, -1)).toBe('"skiff rmi" requires at least 1 argument');
  expect(argCountMessage("skiff images", 0, 1)).toBe('"skiff images" requires at most 1 argument');
  expect(argCountMessage("skiff load", 0, 0)).toBe('"skiff load" accepts no arguments');
  // every command's message reads right
  for (const [name, c] of Object.entries(COMMANDS)) expect(argCountMessage(`skiff ${name}`, ...c.args)).not.toMatch(/\b(1 arguments|[02-9] argument\b)|\d+ to \d+/);
});

describe("command-line properties (command-line.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, property] of Object.entries(COMMAND_LINE_PROPERTIES)) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: name === "anyArgv" ? 3000 : 500 }), 30_000);
  }

  test("names on Object.prototype are no commands (skiff constructor printed a TypeError)", () => {
    for (const argv of [["constructor"], ["__proto__"], ["toString"], ["image", "toString"], ["image", "__proto__"]]) {
      const e = (() => {
        try {
          resolveCommand(argv);
        } catch (err) {
          return err as SkiffError;
        }
      })();
      expect([e?.code, e?.message]).toEqual(["CLI_USAGE", argv[0] === "image" ? `unknown command: skiff image ${argv[1]}` : `unknown command: skiff ${argv[0]}`]);
    }
  });
});
