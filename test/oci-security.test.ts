// What a container must not reach: host paths through symlinks in its rootfs, the runtime's file
// descriptors, and the runtime's executables through /proc/PID/exe.
import { expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CAPABILITIES } from "../src/runtime/capabilities.ts";
import { bundleFactory, busyboxRootfs, oci, runBundle, tempDir, uniqueId } from "./harness/oci.ts";

const bundle = bundleFactory();
const bundleBoth = bundleFactory(["skiff", "runc"]);

test("mount destinations that are symlinks out of the rootfs stay inside it", () => {
  const host = tempDir("host");
  const rootfs = join(tempDir("rootfs"), "rootfs");
  cpSync(busyboxRootfs(), rootfs, { recursive: true, verbatimSymlinks: true });
  symlinkSync(host, join(rootfs, "escape"));
  symlinkSync("../../../../../../" + host, join(rootfs, "escape-relative"));
  const file = join(tempDir("src"), "file");
  writeFileSync(file, "payload\n");
  const b = bundle(["sh", "-c", "cat /escape/sub/file /escape-relative/file2; ls /escape"], (c) => {
    c.root = { path: rootfs, readonly: false };
    c.mounts.push({ destination: "/escape/sub/file", type: "bind", source: file, options: ["bind", "ro"] });
    c.mounts.push({ destination: "/escape-relative/file2", type: "bind", source: file, options: ["bind", "ro"] });
  });
  const r = runBundle("skiff", b);
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe("payload\npayload\nfile2\nsub\n");
  expect(readdirSync(host)).toEqual([]);
  expect(existsSync(join(rootfs, host, "sub/file"))).toBe(true);
});

test("the container gets no file descriptor of the runtime", () => {
  // the shell stays (a lone command would be exec-ed, and ls would list its own directory fd)
  const r = runBundle("skiff", bundle(["sh", "-c", "ls /proc/$$/fd; true"]));
  expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["0", "1", "2"]);
});

test("--preserve-fds passes exactly the given descriptors", () => {
  const dir = tempDir("fds");
  writeFileSync(join(dir, "a"), "first\n");
  writeFileSync(join(dir, "b"), "second\n");
  // no pipeline in the listed shell (it would hold its pipes while ls runs), and "; true" keeps it from exec-ing ls
  const b = bundle(["sh", "-c", "cat <&3; cat <&4; ls /proc/$$/fd; true"]);
  const child = Bun.spawnSync(["sh", "-c", `exec 3<${dir}/a 4<${dir}/b 5<${dir}/a; "$@"`, "sh", ...ociArgs(["run", "--preserve-fds", "2", "--bundle", b.dir, b.id])]);
  const [first, second, ...fds] = child.stdout.toString().split("\n").filter(Boolean);
  expect([first, second, fds.map(Number).sort((x, y) => x - y)]).toEqual(["first", "second", [0, 1, 2, 3, 4]]);
  expect(child.exitCode).toBe(0);
});

test("a created container's init runs from a sealed copy, not from the runtime's files", () => {
  const b = bundle(["true"]);
  expect(oci("skiff", ["create", "--bundle", b.dir, b.id]).code).toBe(0);
  const pid = JSON.parse(oci("skiff", ["state", b.id]).stdout).pid as number;
  expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:skiff-exec/);
  expect(() => openSync(`/proc/${pid}/exe`, "r+")).toThrow();
});

test("a rootfs file that is a symlink to a host path is not followed by device creation", () => {
  const host = tempDir("host");
  const rootfs = join(tempDir("rootfs"), "rootfs");
  cpSync(busyboxRootfs(), rootfs, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(rootfs, "dev"), { recursive: true });
  symlinkSync(host, join(rootfs, "dev/evil"));
  const b = bundle(["true"], (c) => {
    c.root = { path: rootfs, readonly: false };
    c.mounts = c.mounts.filter((m: { destination: string }) => !m.destination.startsWith("/dev"));
    c.linux.devices = [{ type: "c", path: "/dev/evil/null", major: 1, minor: 3, fileMode: 0o666 }];
  });
  runBundle("skiff", b);
  expect(readdirSync(host)).toEqual([]);
});

test("the container has a session keyring of its own (runc's _ses.ID), not its caller's, as under runc", () => {
  // /proc/keys lists the keys a process may view; the serial and the usage count vary from run to run
  const keys = (runtime: "skiff" | "runc", extra: string[] = []) => {
    const b = bundle(["sh", "-c", "awk '{ $1 = \"<serial>\"; $3 = \"<n>\"; print }' /proc/keys"], (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.linux.maskedPaths = [];
    });
    return runBundle(runtime, b, extra).stdout.replaceAll(b.id, "<id>");
  };
  expect(keys("skiff")).toBe("<serial> I--Q--- <n> perm 3f1b0000 0 0 keyring _ses.<id>: empty\n");
  expect(keys("skiff")).toBe(keys("runc"));
  // --no-new-keyring: the caller's (root's, which uid 1000 may not view)
  expect(keys("skiff", ["--no-new-keyring"])).toBe(keys("runc", ["--no-new-keyring"]));
});

test("exec joins the container's session keyring", () => {
  const id = uniqueId();
  const serial = `awk '$9 == "_ses.${id}:" { print $1 }' /proc/keys`;
  const b = bundle(["sh", "-c", `${serial} > /tmp/init; sleep 10`], (c) => {
    c.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: [] });
    c.linux.maskedPaths = [];
  }, id);
  expect(oci("skiff", ["run", "--detach", "--bundle", b.dir, b.id]).code).toBe(0);
  let init = "";
  for (let i = 0; i < 100 && !init; i++, Bun.sleepSync(20)) init = oci("skiff", ["exec", b.id, "cat", "/tmp/init"]).stdout;
  expect(init).toMatch(/^[0-9a-f]{8}\n$/);
  expect(oci("skiff", ["exec", b.id, "sh", "-c", serial]).stdout).toBe(init);
});

function ociArgs(args: string[]): string[] {
  const { SKIFF_OCI } = require("./harness/oci.ts") as typeof import("./harness/oci.ts");
  const { TEST_STATE_ROOT } = require("./harness/leaks.ts") as typeof import("./harness/leaks.ts");
  return [SKIFF_OCI, "--root", `${TEST_STATE_ROOT}/skiff`, ...args];
}

test("a capability outside the runtime's own bounding set: refused as runc refuses it, the error naming the capability", () => {
  const held = BigInt(`0x${/^CapBnd:\s*(\w+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]}`);
  const lastCap = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8"));
  const lacking = Array.from({ length: lastCap + 1 }, (_, i) => i).find((i) => !((held >> BigInt(i)) & 1n));
  if (lacking === undefined) return; // (a host whose root holds them all: nothing to ask for)
  const name = CAPABILITIES[lacking]!;
  const b = bundleBoth(["true"], (c) => {
    for (const set of ["bounding", "effective", "permitted"] as const) c.process.capabilities![set] = [...(c.process.capabilities![set] ?? []), name];
  });
  const runc = runBundle("runc", b);
  const ours = runBundle("skiff", b);
  expect([ours.code, runc.code]).toEqual([1, 1]);
  expect(ours.stderr).toContain(`hint: ${name}: not in the runtime's own bounding set (CapBnd in /proc/self/status), so no process it starts can have it`);
});
