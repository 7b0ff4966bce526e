import { describe, expect, test } from "bun:test";
import { monitorArgs, PID_FILE_WAIT_MS } from "./command.ts";

const base = { dir: "/run/c", socket: "attach.sock", exitFile: "exit", fileMode: 0o640, errorLog: "monitor.log" };

describe("monitorArgs", () => {
  test("the least a monitor needs, then the command after --", () => {
    expect(monitorArgs(base, ["sh", "-c", "--log x"])).toEqual(["--socket", "attach.sock", "--exit-file", "exit", "--file-mode", "640", "--", "sh", "-c", "--log x"]);
  });

  test("every option, as the engine decided it", () => {
    const args = monitorArgs(
      { ...base, pidFile: "pid", pidFileWaitMs: 250, log: { path: "ctr.log", maxSize: 10_000_000, maxFiles: 3 }, consoleSocket: "console.sock", stdin: true, stdinOnce: true, attachFirst: true },
      ["runc", "create"],
      2,
    );
    expect(args.slice(0, args.indexOf("--")).join(" ")).toBe(
      "--socket attach.sock --exit-file exit --file-mode 640 --pid-file pid --pid-file-wait 250 --log ctr.log --log-max-size 10000000 --log-max-files 3 --tty --console-socket console.sock --stdin --stdin-once --attach-first --pass-fds 2",
    );
  });

  test("a pid file comes with the engine's wait for it, PID_FILE_WAIT_MS unless given", () => {
    const args = monitorArgs({ ...base, pidFile: "pid" }, ["runc", "create"]);
    expect(args.slice(args.indexOf("--pid-file"), args.indexOf("--pid-file") + 4)).toEqual(["--pid-file", "pid", "--pid-file-wait", String(PID_FILE_WAIT_MS)]);
  });
  test("stdin-once means nothing without stdin; an empty command is a bug", () => {
    expect(monitorArgs({ ...base, stdinOnce: true }, ["true"])).not.toContain("--stdin-once");
    expect(() => monitorArgs(base, [])).toThrow();
  });
});
