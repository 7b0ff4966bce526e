import { expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import { describeError, EXIT_BROKEN_PIPE, refused } from "./report-error.ts";

const sysErr = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

test("the daemon's errors print with their layer, code and hint, as the CLI's own do; the message first, as docker prints it", () => {
  const http = new SkiffError({ layer: "image", kind: "not_found", code: "IMAGE_NOT_FOUND", message: 'find image "nope": no such image', hint: "list images with `skiff images`, or pull it", details: { status: 404 } });
  expect(describeError(http)).toEqual({ text: 'Error response from daemon: find image "nope": no such image (layer: image, code: IMAGE_NOT_FOUND)\nhint: list images with `skiff images`, or pull it\n', status: 1 });
  const streamed = new SkiffError({ layer: "image", kind: "internal", code: "IMAGE_REGISTRY_UNAUTHORIZED", message: "fetch manifest: registry answered 401 Unauthorized", hint: "log in with `skiff login <registry>`", details: { stream: true } });
  expect(describeError(streamed).text).toBe("Error response from daemon: fetch manifest: registry answered 401 Unauthorized (layer: image, code: IMAGE_REGISTRY_UNAUTHORIZED)\nhint: log in with `skiff login <registry>`\n");
  const own = new SkiffError({ layer: "cli", kind: "failed_precondition", code: "CLI_DAEMON_PERMISSION_DENIED", message: 'connect to skiffd at "/run/skiff/skiff.sock": permission denied', hint: "run as root", details: { errno: "EACCES" } });
  expect(describeError(own).text).toBe('Error: connect to skiffd at "/run/skiff/skiff.sock": permission denied (layer: cli, code: CLI_DAEMON_PERMISSION_DENIED, errno: EACCES)\nhint: run as root\n');
});

test("misuse of the command line stays docker's: skiff: MESSAGE, the usage, status 125", () => {
  const e = new SkiffError({ layer: "cli", kind: "invalid_argument", code: "CLI_USAGE", message: '"skiff tag" requires exactly 2 arguments', hint: "Usage:  skiff tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]" });
  expect(describeError(e)).toEqual({ text: 'skiff: "skiff tag" requires exactly 2 arguments\nUsage:  skiff tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n', status: 125 });
});

test("what docker's commands refuse themselves (argument count, a terminal as output) prints as a misuse with status 1", () => {
  expect(describeError(refused("CLI_USAGE", '"skiff export" requires exactly 1 argument', "See 'skiff export --help'."))).toEqual({ text: "skiff: \"skiff export\" requires exactly 1 argument\nSee 'skiff export --help'.\n", status: 1 });
});

test("EPIPE (the reader of the output went away) ends skiff quietly with 141, as SIGPIPE ends docker", () => {
  expect(describeError(sysErr("EPIPE", "EPIPE: broken pipe, write", { syscall: "write" }))).toEqual({ text: "", status: EXIT_BROKEN_PIPE });
  expect(EXIT_BROKEN_PIPE).toBe(128 + 13);
});

test("raw system errors become CLI errors with the errno and a hint, never the runtime's text", () => {
  const cases: [Error, RegExp][] = [
    [sysErr("ENOSPC", "ENOSPC: no space left on device, write", { syscall: "write" }), /^Error: write output: no space left on device \(layer: cli, code: CLI_NO_SPACE, errno: ENOSPC\)\nhint: free space/],
    [sysErr("ENOENT", "ENOENT: no such file or directory, open '/nonexistent/dir/x.tar.tmp-1'", { syscall: "open", path: "/nonexistent/dir/x.tar.tmp-1" }), /^Error: open "\/nonexistent\/dir\/x\.tar\.tmp-1": no such file or directory \(layer: cli, code: CLI_PATH_NOT_FOUND, errno: ENOENT\)\nhint: check the path: does the directory "\/nonexistent\/dir" exist\?/],
    [sysErr("ECONNRESET", "ECONNRESET: The socket connection was closed unexpectedly. For more information, pass `verbose: true` in the second argument to fetch()"), /^Error: the connection to skiffd closed unexpectedly \(layer: cli, code: CLI_DAEMON_CONNECTION_LOST, errno: ECONNRESET\)\nhint: skiffd stopped or crashed/],
    [sysErr("EACCES", "EACCES: permission denied, open '/root/x'", { syscall: "open", path: "/root/x" }), /^Error: open "\/root\/x": permission denied \(layer: cli, code: CLI_PERMISSION_DENIED, errno: EACCES\)\nhint: /],
  ];
  for (const [e, want] of cases) {
    const { text, status } = describeError(e);
    expect(text).toMatch(want);
    expect(status).toBe(1);
    expect(text).not.toContain("verbose");
    expect(text).not.toContain("    at ");
  }
});

test("a programmer error says it is a bug, without a stack unless --debug", () => {
  const bug = new TypeError("undefined is not an object");
  const plain = describeError(bug);
  expect(plain.text).toBe("Error: internal error: TypeError: undefined is not an object (layer: cli, code: CLI_INTERNAL)\nhint: this is a bug in skiff: run again with -D (--debug) for the stack, and report it\n");
  expect(plain.status).toBe(1);
  expect(describeError(bug, { debug: true }).text).toContain("    at ");
});
