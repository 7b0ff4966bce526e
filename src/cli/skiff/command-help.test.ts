import { expect, test } from "bun:test";
import { commandHelp } from "./command-help.ts";
import { COMMANDS } from "./main.ts";

test("help lists the options sorted by long name, docker's layout", () => {
  expect(commandHelp(COMMANDS.push!)).toBe(
    "\nUsage:  skiff push [OPTIONS] NAME[:TAG]\n\nUpload an image to a registry\n\nOptions:\n" +
      "  -a, --all-tags   Push all tags of an image to the repository\n" +
      "  -q, --quiet      Suppress verbose output\n",
  );
  expect(commandHelp(COMMANDS.tag!)).toBe("\nUsage:  skiff tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\nCreate a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n");
});

test("every command has a summary and every option a line of help", () => {
  for (const [name, cmd] of Object.entries(COMMANDS)) {
    expect([name, cmd.summary.length > 0]).toEqual([name, true]);
    for (const f of cmd.flags) expect([name, f.names[0], !!f.help]).toEqual([name, f.names[0], true]);
  }
});
