import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { checkRuntimeConfig } from "../../oci/runtime-config.ts";
import { defaultSpec } from "../spec-default.ts";
import { checkConfigStrings, checkProcessStrings } from "./plan-strings.ts";

function config(edit: (c: any) => void) {
  const raw = defaultSpec() as any;
  edit(raw);
  return checkRuntimeConfig(raw);
}

function errorOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (!isSkiffError(e)) throw e;
    return `${e.message} | ${e.details.field}`;
  }
  return "no error";
}

describe("checkConfigStrings", () => {
  const cases: [string, (c: any) => void, string][] = [
    ["an argument", (c) => (c.process.args = ["sh", "-c", "echo a\0b"]), "process.args[2]"],
    ["an environment entry", (c) => c.process.env.push("A=\0"), "process.env[2]"],
    ["the hostname", (c) => (c.hostname = "a\0"), "hostname"],
    ["the domainname", (c) => (c.domainname = "\0"), "domainname"],
    ["the working directory", (c) => (c.process.cwd = "/a\0b"), "process.cwd"],
    ["a mount destination", (c) => (c.mounts[1].destination = "/dev\0x"), "mounts[1].destination"],
    ["a mount source", (c) => (c.mounts[0].source = "pro\0c"), "mounts[0].source"],
    ["a mount option", (c) => c.mounts[2].options.push("size=1\0"), `mounts[2].options[${(defaultSpec() as any).mounts[2].options.length}]`],
    ["a sysctl value", (c) => (c.linux.sysctl = { "net.ipv4.ip_forward": "1\0" }), 'linux.sysctl["net.ipv4.ip_forward"]'],
    ["a sysctl key", (c) => (c.linux.sysctl = { "net.a\0b": "1" }), "a key of linux.sysctl"],
    ["a masked path", (c) => c.linux.maskedPaths.push("/proc/\0"), `linux.maskedPaths[${(defaultSpec() as any).linux.maskedPaths.length}]`],
    ["a hook's path", (c) => (c.hooks = { poststop: [{ path: "/bin/true\0" }] }), "hooks.poststop[0].path"],
    ["a namespace path", (c) => (c.linux.namespaces = [{ type: "mount" }, { type: "network", path: "/run/netns/\0" }]), "linux.namespaces[1].path"],
    ["the root path", (c) => (c.root.path = "root\0fs"), "root.path"],
    ["the seccomp listener path", (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/a\0" }), "linux.seccomp.listenerPath"],
  ];
  for (const [name, edit, field] of cases)
    test(`names ${name} holding a NUL`, () => {
      const message = errorOf(() => checkConfigStrings(config(edit), "/b/config.json"));
      expect(message).toStartWith(`read /b/config.json: ${field}`);
      expect(message).toContain("contains a NUL byte");
    });

  test("accepts NULs where they never become C strings: annotations and seccomp metadata", () => {
    const c = config((c) => {
      c.annotations = { "a\0": "b\0" };
      c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerMetadata: "x\0y" };
    });
    expect(errorOf(() => checkConfigStrings(c))).toBe("no error");
  });

  test("accepts the default spec", () => {
    expect(errorOf(() => checkConfigStrings(config(() => {})))).toBe("no error");
  });
});

test("checkProcessStrings names the process field", () => {
  const proc = config((c) => (c.process.env = ["A=1", "B=\0"])).process!;
  expect(errorOf(() => checkProcessStrings(proc, "p.json"))).toBe("read p.json: process.env[1] contains a NUL byte | process.env[1]");
});
