import { expect, test } from "bun:test";
import { argCountMessage, COMMANDS } from "./main.ts";

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
