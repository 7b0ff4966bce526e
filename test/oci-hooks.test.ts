// The six OCI hooks, each at its moment and in its namespace, with the state on stdin; failures
// fail create at the right step (prestart, createRuntime, createContainer) or only warn
// (poststart, poststop), and a hook past its timeout is killed.
import { expect, test } from "bun:test";
import { chmodSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFactory, oci, runBundle, tempDir } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);

function recorder(dir: string): string {
  const script = join(dir, "hook.sh");
  // one write(2) per line: hooks inside and outside the container may run at the same time
  writeFileSync(script, '#!/bin/sh\nline="$1 $(readlink /proc/self/ns/mnt) $HOOK_ENV $(cat)"\necho "$line" >> "$OUT"\n');
  chmodSync(script, 0o755);
  return script;
}

test("every hook runs once, in order, in its namespace, with the state on stdin", async () => {
  const dir = tempDir("hooks");
  const out = join(dir, "log");
  const script = recorder(dir);
  const host = (kind: string) => ({ path: script, args: ["hook.sh", kind], env: [`OUT=${out}`, "HOOK_ENV=yes"] });
  const b = bundle(["sh", "-c", "sleep 0.3; echo main >> /out/log"], (c) => {
    c.mounts.push({ destination: "/out", type: "bind", source: dir, options: ["rbind", "rw"] });
    c.hooks = {
      prestart: [host("prestart")], createRuntime: [host("createRuntime")], createContainer: [host("createContainer")],
      startContainer: [{ path: "/bin/sh", args: ["sh", "-c", 'line="startContainer $(readlink /proc/self/ns/mnt) $HOOK_ENV $(cat)"; echo "$line" >> /out/log', "x"], env: ["HOOK_ENV=inside"] }],
      poststart: [host("poststart")], poststop: [host("poststop")],
    };
  });
  expect(oci("skiff", ["create", "--bundle", b.dir, b.id])).toMatchObject({ code: 0, stderr: "" });
  const pid = JSON.parse(oci("skiff", ["state", b.id]).stdout).pid as number;
  const containerMnt = readlinkSync(`/proc/${pid}/ns/mnt`);
  const hostMnt = readlinkSync("/proc/self/ns/mnt");
  expect(oci("skiff", ["start", b.id]).code).toBe(0);
  for (let i = 0; i < 200 && !JSON.parse(oci("skiff", ["state", b.id]).stdout).status.includes("stopped"); i++) await Bun.sleep(10);
  expect(oci("skiff", ["delete", b.id]).code).toBe(0);
  const lines = readFileSync(out, "utf8").trim().split("\n");
  // after start, the container (its startContainer hook, then its process) and the runtime (its
  // poststart hooks) go on side by side: only the orders the spec fixes are checked
  const kinds = lines.map((l) => l.split(" ")[0]!);
  expect([...kinds].sort()).toEqual(["createContainer", "createRuntime", "main", "poststart", "poststop", "prestart", "startContainer"]);
  const at = (k: string) => kinds.indexOf(k);
  const chain = ["prestart", "createRuntime", "createContainer", "startContainer", "main"].map(at);
  expect(chain).toEqual([...chain].sort((a, b) => a - b));
  expect(at("createContainer")).toBeLessThan(at("poststart"));
  expect(at("poststop")).toBe(6);
  const line = (kind: string) => lines.find((l) => l.startsWith(kind + " "))!.split(" ");
  const state = (kind: string) => JSON.parse(line(kind).slice(3).join(" "));
  expect(line("createRuntime").slice(1, 3)).toEqual([hostMnt, "yes"]);
  expect(line("createContainer").slice(1, 3)).toEqual([containerMnt, "yes"]);
  expect(line("startContainer").slice(1, 3)).toEqual([containerMnt, "inside"]);
  // created (runtime-spec: the environment exists; crun says so too, runc says creating), with the
  // pid as the hook's namespace sees it: the host's for the runtime's hooks, 1 inside the container
  expect(state("prestart")).toMatchObject({ id: b.id, status: "created", pid, bundle: b.dir });
  expect(state("createRuntime")).toMatchObject({ id: b.id, status: "created", pid, bundle: b.dir });
  expect(state("createContainer")).toMatchObject({ id: b.id, status: "created", pid: 1 });
  expect(state("startContainer")).toMatchObject({ id: b.id, status: "created", pid: 1 });
  expect(state("poststart")).toMatchObject({ id: b.id, status: "running", pid });
  expect(state("poststop")).toMatchObject({ id: b.id, status: "stopped" });
});

test.each([
  ["createRuntime", (s: string) => ({ createRuntime: [{ path: s, args: ["fail", "3"] }] }), /run createRuntime hook .*fail\.sh: exited with status 3/],
  ["prestart", (s: string) => ({ prestart: [{ path: s, args: ["fail", "4"] }] }), /run prestart hook .*fail\.sh: exited with status 4/],
  ["createContainer", (s: string) => ({ createContainer: [{ path: s, args: ["fail", "5"] }] }), /run createContainer hook .*fail\.sh: exited with status 5/],
  ["a hanging createRuntime", (s: string) => ({ createRuntime: [{ path: s, args: ["fail", "hang"], timeout: 1 }] }), /run createRuntime hook .*: timed out after 1s and was killed/],
  ["a hanging createContainer", (s: string) => ({ createContainer: [{ path: s, args: ["fail", "hang"], timeout: 1 }] }), /run createContainer hook .*: timed out after 1s and was killed/],
  ["a missing createRuntime program", () => ({ createRuntime: [{ path: "/no/such/hook" }] }), /run createRuntime hook \/no\/such\/hook/],
])("a failing %s hook fails create, and nothing is left", (_, hooks, message) => {
  const dir = tempDir("hooks");
  const script = join(dir, "fail.sh");
  writeFileSync(script, '#!/bin/sh\n[ "$1" = hang ] && exec sleep 60\nexit "$1"\n');
  chmodSync(script, 0o755);
  const b = bundle(["true"], (c) => (c.hooks = hooks(script)));
  const started = Date.now();
  const r = oci("skiff", ["create", "--bundle", b.dir, b.id]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/RUNTIME_HOOK_FAILED/);
  expect(Date.now() - started).toBeLessThan(5000);
  if (String(message).includes("timed out")) expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(oci("skiff", ["list", "-q"]).stdout).not.toContain(b.id);
});

test("failing poststart and poststop hooks only warn", () => {
  const b = bundle(["true"], (c) => (c.hooks = { poststart: [{ path: "/bin/false" }], poststop: [{ path: "/bin/false" }] }));
  const r = runBundle("skiff", b);
  expect(r.code).toBe(0);
  // on stderr without --log, as runc's (a trial: nothing was said unless --log was given)
  expect(r.stderr).toMatch(/^warning: .*poststart hook \/bin\/false: exited with status 1/m);
  expect(r.stderr).toMatch(/^warning: .*poststop hook \/bin\/false: exited with status 1/m);
  expect(oci("skiff", ["list", "-q"]).stdout).not.toContain(b.id);
});

test("after createContainer and startContainer hooks the container's process starts with no signal ignored or blocked, as under runc", () => {
  const hook = { path: "/bin/true" };
  const inside = { path: "/bin/true", args: ["true"] };
  const out = (runtime: "skiff" | "runc") => {
    const b = bundle(["sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status; yes | head -c 2"], (c) => (c.hooks = { createContainer: [hook], startContainer: [inside] }));
    const r = runBundle(runtime, b);
    return `${r.code} ${r.stdout}${r.stderr}`;
  };
  // yes dies of SIGPIPE once head exits; with SIGPIPE ignored it would report a write error
  expect(out("skiff")).toBe("0 SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\ny\n");
  expect(out("skiff")).toBe(out("runc"));
});

test("a failing startContainer hook (after start, when no runtime listens) is said on the container's stderr, as runc's init says it", () => {
  const b = bundle(["true"], (c) => (c.hooks = { startContainer: [{ path: "/bin/false" }] }));
  const r = runBundle("skiff", b);
  expect(r).toEqual({ code: 1, stdout: "", stderr: "runtime: run startContainer hook /bin/false: exited with status 1\n" });
});

test("the runtime's hooks run as runc runs them: output captured, in the bundle, with the runtime's environment when they name none", () => {
  const dir = tempDir("hooks");
  const script = join(dir, "say.sh");
  // prints on both streams (runc keeps that from its caller: podman logs showed it under skiff-oci),
  // and records where it ran and what environment it had
  writeFileSync(script, '#!/bin/sh\necho HOOK-OUT; echo HOOK-ERR >&2\nprintf "%s %s %s\\n" "$(pwd)" "${PATH:+path}" "$HOOK_MARK" >> "$1"\n');
  chmodSync(script, 0o755);
  const run = (runtime: "skiff" | "runc") => {
    const record = join(dir, `${runtime}.log`);
    const b = bundle(["echo", "main"], (c) => (c.hooks = { prestart: [{ path: script, args: ["say.sh", record] }], poststop: [{ path: script, args: ["say.sh", record] }] }));
    process.env.HOOK_MARK = "from-the-runtime";
    try {
      const r = oci(runtime, ["run", "--bundle", b.dir, b.id], { cwd: "/" });
      return { r, lines: readFileSync(record, "utf8").trim().split("\n").map((l) => l.replace(b.dir, "<bundle>")) };
    } finally {
      delete process.env.HOOK_MARK;
    }
  };
  const skiff = run("skiff");
  expect(skiff.r).toEqual({ code: 0, stdout: "main\n", stderr: "" });
  expect(skiff.lines).toEqual(["<bundle> path from-the-runtime", "<bundle> path from-the-runtime"]);
  const runc = run("runc");
  expect(skiff.r).toEqual(runc.r);
  expect(skiff.lines).toEqual(runc.lines);
});

test("a failing hook's error carries what it printed", () => {
  const dir = tempDir("hooks");
  const script = join(dir, "fail.sh");
  writeFileSync(script, "#!/bin/sh\necho 'config missing' >&2\nexit 2\n");
  chmodSync(script, 0o755);
  const b = bundle(["true"], (c) => (c.hooks = { createRuntime: [{ path: script }] }));
  const r = oci("skiff", ["create", "--bundle", b.dir, b.id]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/run createRuntime hook .*fail\.sh: exited with status 2; its stderr: "config missing"/);
  expect(r.stderr).not.toMatch(/^config missing$/m);
});

test("a hook path that is not absolute is refused before anything runs (runtime-spec: MUST be absolute)", () => {
  const b = bundle(["true"], (c) => (c.hooks = { prestart: [{ path: "true" }] }));
  const r = oci("skiff", ["create", "--bundle", b.dir, b.id]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/hooks\.prestart\[0\]\.path must be an absolute path/);
  expect(oci("skiff", ["list", "-q"]).stdout).not.toContain(b.id);
});
