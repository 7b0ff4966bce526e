import { expect, test } from "bun:test";
import { checkPsArgs, parsePs } from "./container-top.ts";

test("ps output: the container's rows only, a command with spaces whole", () => {
  const out = "UID PID PPID C STIME TTY TIME CMD\nroot 10 1 0 12:00 ? 00:00:00 sh -c sleep 1\nroot 11 10 0 12:00 ? 00:00:00 sleep 1\nroot 99 1 0 12:00 ? 00:00:00 other\n";
  expect(parsePs(out, new Set([10, 11]))).toEqual({
    Titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
    Processes: [
      ["root", "10", "1", "0", "12:00", "?", "00:00:00", "sh -c sleep 1"],
      ["root", "11", "10", "0", "12:00", "?", "00:00:00", "sleep 1"],
    ],
  });
});

test("dockerd's refusals: no PID column, and a column renamed to PID", () => {
  expect(() => parsePs("COMMAND\nsh\n", new Set([1]))).toThrow("Couldn't find PID field in ps output");
  expect(() => checkPsArgs("-o ppid=PID")).toThrow('specifying "ppid=PID" is not allowed');
  expect(() => checkPsArgs("-o pid=PID,comm")).not.toThrow();
  expect(() => checkPsArgs("aux")).not.toThrow();
});
