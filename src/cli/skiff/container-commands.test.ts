// How the container commands resolve: their --help, `skiff container SUB`, flags that end at the
// first argument for run, create, exec and top, and -h that is run's --hostname.
import { expect, test } from "bun:test";
import { CONTAINER_COMMANDS, CONTAINER_SUBCOMMANDS } from "./container-commands.ts";
import { resolveCommand } from "./main.ts";

const resolved = (argv: string[]) => {
  const r = resolveCommand(argv);
  if ("print" in r) throw new Error(`printed: ${r.print.slice(0, 80)}`);
  return { name: r.name, flags: r.flags, args: r.args };
};
const printed = (argv: string[]) => {
  const r = resolveCommand(argv);
  if (!("print" in r)) throw new Error(`resolved to ${r.name}`);
  return r.print;
};

test("every container command has docker's --help: its usage, summary and each flag", () => {
  for (const [name, cmd] of Object.entries(CONTAINER_COMMANDS)) {
    const help = printed([name, "--help"]);
    expect(help).toContain(`Usage:  skiff ${cmd.usage}`);
    expect(help).toContain(cmd.summary);
    for (const f of cmd.flags) expect(help).toContain(`--${f.names.find((n) => n.length > 1)}`);
  }
  for (const sub of Object.keys(CONTAINER_SUBCOMMANDS)) expect(printed(["container", sub, "--help"])).toContain("Usage:  skiff ");
  expect(printed(["container", "prune", "--help"])).toContain("Usage:  skiff container prune [OPTIONS]");
  expect(printed(["container"])).toContain("Manage containers");
  expect(printed([])).toContain("run         Create and run a new container from an image");
});

test("run, create, exec and top: flags end at the first argument; what follows is the command's own", () => {
  expect(resolved(["run", "-it", "--rm", "busybox", "sh", "-c", "ls --help -it"])).toEqual({ name: "run", flags: { interactive: true, tty: true, rm: true }, args: ["busybox", "sh", "-c", "ls --help -it"] });
  expect(resolved(["exec", "-e", "A=1", "ctr", "env", "-i"])).toEqual({ name: "exec", flags: { env: ["A=1"] }, args: ["ctr", "env", "-i"] });
  expect(resolved(["top", "ctr", "-o", "pid"])).toEqual({ name: "top", flags: {}, args: ["ctr", "-o", "pid"] });
  // --help after the image is the command's
  expect(resolved(["run", "busybox", "--help"]).args).toEqual(["busybox", "--help"]);
  // ps, logs and the others take flags anywhere, as docker's
  expect(resolved(["logs", "ctr", "-f", "--tail", "3"])).toEqual({ name: "logs", flags: { follow: true, tail: "3" }, args: ["ctr"] });
});

test("-h is run's and create's --hostname, and help elsewhere", () => {
  expect(resolved(["run", "-h", "box", "busybox"]).flags).toEqual({ hostname: "box" });
  expect(printed(["ps", "-h"])).toContain("Usage:  skiff ps [OPTIONS]");
});

test("skiff container SUB names the commands; image inspect stays the image's, inspect looks at both", () => {
  expect(resolved(["container", "ls", "-a"])).toEqual({ name: "ps", flags: { all: true }, args: [] });
  expect(resolved(["container", "rm", "-f", "x"]).name).toBe("rm");
  expect(resolved(["container", "prune", "-f"]).name).toBe("container-prune");
  expect(printed(["image", "inspect", "--help"])).toContain("Usage:  skiff image inspect");
  expect(printed(["inspect", "--help"])).toContain("Return low-level information on containers and images");
  // the subcommand-only entries are not commands of their own
  expect(() => resolveCommand(["container-prune"])).toThrow("unknown command: skiff container-prune");
  expect(() => resolveCommand(["container", "nope"])).toThrow("unknown command: skiff container nope");
  // a flag after a group is an unknown flag, as docker says (it said unknown command "--bogus")
  expect(() => resolveCommand(["volume", "--bogus"])).toThrow("volume: unknown flag --bogus");
  expect(() => resolveCommand(["image", "--bogus=1"])).toThrow("image: unknown flag --bogus");
  expect(() => resolveCommand(["volume", "create", "-o"])).toThrow("flag needs an argument: 'o' in -o");
});

test("a missing argument is refused in docker's words, before any request", () => {
  expect(() => resolveCommand(["run"])).toThrow('"skiff run" requires at least 1 argument');
  expect(() => resolveCommand(["exec", "ctr"])).toThrow('"skiff exec" requires at least 2 arguments');
  expect(() => resolveCommand(["rename", "a"])).toThrow('"skiff rename" requires exactly 2 arguments');
  expect(() => resolveCommand(["ps", "x"])).toThrow('"skiff ps" accepts no arguments');
});
