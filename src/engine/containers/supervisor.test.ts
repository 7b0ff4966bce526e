import { expect, test } from "bun:test";
import { startFailureExitCode } from "./supervisor.ts";

test("a failed start's exit code is dockerd's: 127 not found, 126 cannot run, 127 a directory over a file or the reverse; else the one before, 128 where it was 0", () => {
  expect(startFailureExitCode('find executable "nosuch" in the container: ENOENT (no such file or directory)', 0)).toBe(127);
  expect(startFailureExitCode('exec: "x": executable file not found in $PATH', 3)).toBe(127);
  expect(startFailureExitCode("execute /etc/x: EACCES (permission denied)", 0)).toBe(126);
  expect(startFailureExitCode("execute /etc: EISDIR (is a directory)", 0)).toBe(126);
  expect(startFailureExitCode("bind /f on /etc: ENOTDIR (not a directory)", 0)).toBe(127);
  expect(startFailureExitCode("set capabilities: EPERM (operation not permitted)", 0)).toBe(128);
  expect(startFailureExitCode("set capabilities: EPERM (operation not permitted)", 2)).toBe(2);
});
