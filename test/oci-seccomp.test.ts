// linux.seccomp, compiled to BPF in TypeScript and loaded by the executor: the container behaves
// as the same bundle does under runc.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFactory, oci, REPO, runBundle, tempDir, type RuntimeName } from "./harness/oci.ts";

const DOCKER_DEFAULT = JSON.parse(readFileSync(join(REPO, "src/runtime/seccomp/fixtures/docker-default-amd64.json"), "utf8"));
const bundle = bundleFactory(["skiff", "runc"]);

function both(args: string[], edit: (c: any) => void): Record<RuntimeName, string> {
  const out = {} as Record<RuntimeName, string>;
  for (const runtime of ["runc", "skiff"] as const) {
    const b = bundle(args, edit);
    const r = runBundle(runtime, b);
    out[runtime] = `${r.code}\n${r.stdout}${r.stderr}`;
  }
  return out;
}

const script = "mount -t tmpfs x /mnt; echo mount=$?; unshare -U true; echo unshare=$?; ls / >/dev/null && echo ls=0; grep Seccomp: /proc/self/status";

test("Docker's default profile: allowed calls work, blocked ones fail with EPERM, as under runc", () => {
  const out = both(["sh", "-c", script], (c) => {
    c.linux.seccomp = DOCKER_DEFAULT;
    c.process.capabilities = Object.fromEntries(["bounding", "effective", "permitted"].map((k) => [k, ["CAP_SYS_ADMIN", "CAP_KILL"]]));
  });
  expect(out.skiff).toBe(out.runc);
  expect(out.skiff).toContain("mount=1\nunshare=1\nls=0\nSeccomp:\t2\n");
});

test("a filter loaded before the capabilities are dropped (no no_new_privs) and an errno of its own", () => {
  const profile = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28 }] };
  const out = both(["sh", "-c", "mkdir /tmp/x; echo mkdir=$?; id -u"], (c) => {
    c.linux.seccomp = profile;
    c.process.noNewPrivileges = false;
    c.process.user = { uid: 1000, gid: 1000 };
    c.root.readonly = false;
    c.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["mode=1777"] });
  });
  expect(out.skiff).toBe(out.runc);
  expect(out.skiff).toContain("No space left on device");
});

test("SCMP_ACT_NOTIFY sends the listener to listenerPath with the container's state; calls fail with ENOSYS once it is closed", async () => {
  const dir = tempDir("agent");
  const socket = join(dir, "agent.sock");
  const out = join(dir, "out");
  const agent = Bun.spawn(["python3", join(REPO, "test/fixtures/seccomp-agent.py"), socket, out], { stdout: "pipe" });
  for (let i = 0; i < 200 && !existsSync(socket); i++) await Bun.sleep(10);
  const b = bundle(["sh", "-c", "sleep 0.2; mkdir /tmp/x; echo mkdir=$?"], (c) => {
    c.root.readonly = false;
    c.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: [] });
    c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: socket, listenerMetadata: "from-the-test", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }] };
  });
  const r = runBundle("skiff", b);
  await agent.exited;
  const [message, link] = readFileSync(out, "utf8").trim().split("\n");
  const m = JSON.parse(message!);
  expect(m).toMatchObject({ fds: ["seccompFd"], metadata: "from-the-test", state: { id: b.id, status: "creating", bundle: b.dir } });
  expect(m.pid).toBe(m.state.pid);
  expect(link).toBe("anon_inode:seccomp notify");
  expect(r.stderr).toMatch(/mkdir: can't create directory '\/tmp\/x': Function not implemented/);
  expect(r.stdout).toBe("mkdir=1\n");
});

test("a profile with a bad action is refused at create, naming the field", () => {
  const b = bundle(["true"], (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_FLY" }));
  const r = oci("skiff", ["create", "--bundle", b.dir, b.id]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^runtime: .*defaultAction.*SCMP_ACT_FLY/);
});

test("an execve the profile refuses (after start, when no runtime listens) is said on the container's stderr, as runc's init says it", () => {
  const out = both(["true"], (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["execve"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] }));
  expect(out.runc).toBe("1\nexec /bin/true: permission denied\n");
  expect(out.skiff).toBe('1\nruntime: exec "true": EACCES (Permission denied)\n');
});
