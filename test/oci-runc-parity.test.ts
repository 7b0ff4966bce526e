// What a new-user trial (2026-12-06) found skiff-oci doing differently from runc, each tried side
// by side with runc on the same bundle: kill --all and ps of a stopped container whose init left
// processes in its cgroup, update's --pids-limit 0, --memory -1 and --resources, events'
// --interval, the console socket's rules, --log-format json without --log, and a closed stdout.
import { afterEach, expect, test } from "bun:test";
import { spawn } from "bun";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupV1Files } from "./harness/cgroup-probe.ts";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { busyboxRootfs, makeBundle, oci, runBundle, SKIFF_OCI, type Bundle, type RuntimeName } from "./harness/oci.ts";

const BOTH: RuntimeName[] = ["skiff", "runc"];
const made: { runtime: RuntimeName; b: Bundle }[] = [];
afterEach(() => {
  for (const { runtime, b } of made.splice(0)) {
    oci(runtime, ["delete", "--force", b.id]);
    b.remove();
  }
});
const bundle = (runtime: RuntimeName, args: string[], edit?: Parameters<typeof makeBundle>[1]) => {
  const b = makeBundle(args, edit);
  made.push({ runtime, b });
  return b;
};
const status = (runtime: RuntimeName, b: Bundle) => JSON.parse(oci(runtime, ["state", b.id]).stdout).status as string;
const waitFor = (ok: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!ok() && Date.now() < deadline) Bun.sleepSync(20);
};
const cgroupFile = (b: Bundle, controller: string, file: string) => readFileSync(join("/sys/fs/cgroup", controller, b.config.linux.cgroupsPath, file), "utf8").trim();

test("kill --all of a stopped container signals what its init left in the cgroup, and ps lists it, as runc's (the trial: skiff-oci signalled nothing, ps said [])", () => {
  for (const runtime of BOTH) {
    // no pid namespace: the background sleep outlives the init
    const b = bundle(runtime, ["sh", "-c", "sleep 1234 & sleep 0.3; exit 0"], (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== "pid")));
    expect(runBundle(runtime, b, ["--detach"]).code).toBe(0);
    waitFor(() => status(runtime, b) === "stopped");
    const left = JSON.parse(oci(runtime, ["ps", "--format", "json", b.id]).stdout) as number[];
    expect([runtime, left.length]).toEqual([runtime, 1]);
    expect(readFileSync(`/proc/${left[0]}/cmdline`, "utf8")).toContain("1234");
    expect(oci(runtime, ["kill", "--all", b.id, "KILL"]).code).toBe(0);
    waitFor(() => (JSON.parse(oci(runtime, ["ps", "--format", "json", b.id]).stdout) ?? []).length === 0);
    expect([runtime, JSON.parse(oci(runtime, ["ps", "--format", "json", b.id]).stdout) ?? []]).toEqual([runtime, []]);
  }
});

test("update as runc's: --pids-limit 0 leaves the limit, --memory -1 lifts a swap limit too, and with --resources the flags are not read (the trial: skiff-oci dropped the pids limit and refused -1)", () => {
  const swap = cgroupV1Files("memory").has("memory.memsw.limit_in_bytes");
  const got: Record<string, string[]> = {};
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sleep", "60"], (c) => (c.linux.resources = { memory: { limit: 64 << 20, ...(swap ? { swap: 128 << 20 } : {}) }, pids: { limit: 77 } }));
    expect(runBundle(runtime, b, ["--detach"]).code).toBe(0);
    const out: string[] = [];
    expect(oci(runtime, ["update", "--pids-limit", "0", b.id]).code).toBe(0);
    out.push(cgroupFile(b, "pids", "pids.max"));
    expect(oci(runtime, ["update", "--resources", "-", "--pids-limit", "99", b.id], { input: JSON.stringify({ pids: { limit: 55 } }) }).code).toBe(0);
    out.push(cgroupFile(b, "pids", "pids.max"));
    const lift = oci(runtime, ["update", "--memory", "-1", b.id]);
    out.push(String(lift.code), cgroupFile(b, "memory", "memory.limit_in_bytes"), swap ? cgroupFile(b, "memory", "memory.memsw.limit_in_bytes") : "");
    got[runtime] = out;
  }
  expect(got.skiff).toEqual(got.runc!);
  expect(got.skiff!.slice(0, 3)).toEqual(["77", "55", "0"]);
});

test("events: --interval 0 is refused (the trial: 500 lines a second), and the first stats come after one interval, as runc's", async () => {
  const b = bundle("skiff", ["sleep", "60"]);
  expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
  for (const interval of ["0", "0s", "0ms"]) {
    const r = oci("skiff", ["events", "--interval", interval, b.id], { timeout: 3000 });
    expect([interval, r.code, r.stderr]).toEqual([interval, 1, expect.stringContaining("duration interval must be greater than 0")]);
  }
  const p = spawn([SKIFF_OCI, "--root", `${TEST_STATE_ROOT}/skiff`, "events", "--interval", "1s", b.id], { stdout: "pipe", stderr: "pipe" });
  const started = Date.now();
  const reader = p.stdout.getReader();
  const first = await reader.read();
  const after = Date.now() - started;
  p.kill();
  await p.exited;
  expect(JSON.parse(new TextDecoder().decode(first.value).split("\n")[0]!).type).toBe("stats");
  expect(after).toBeGreaterThanOrEqual(900);
});

test("the console socket's rules, as runc's: a detached terminal needs one, and one is only for a detached terminal (the trial: skiff-oci ran exec -d -t without a terminal)", () => {
  const sock = "/tmp/skiff-parity-nosuch.sock";
  const got: Record<string, (number | boolean)[]> = {};
  for (const runtime of BOTH) {
    const out: (number | boolean)[] = [];
    // create without a terminal, with a socket; create with a terminal, without one
    const plain = bundle(runtime, ["sleep", "60"]);
    const r1 = oci(runtime, ["create", "--bundle", plain.dir, "--console-socket", sock, plain.id]);
    out.push(r1.code, r1.stderr.includes("cannot use console socket"));
    const tty = bundle(runtime, ["sleep", "60"], (c) => (c.process.terminal = true));
    const r2 = oci(runtime, ["create", "--bundle", tty.dir, tty.id]);
    out.push(r2.code, r2.stderr.includes("cannot allocate tty"));
    // exec into a running container: -d -t without a socket; -t with a socket, in the foreground
    expect(runBundle(runtime, plain, ["--detach"]).code).toBe(0);
    const r3 = oci(runtime, ["exec", "--detach", "--tty", plain.id, "true"]);
    out.push(r3.code, r3.stderr.includes("cannot allocate tty"));
    const r4 = oci(runtime, ["exec", "--tty", "--console-socket", sock, plain.id, "true"]);
    out.push(r4.code, r4.stderr.includes("cannot use console socket"));
    got[runtime] = out;
  }
  expect(got.skiff).toEqual(got.runc!);
  expect(got.skiff).toEqual([1, true, 1, true, 255, true, 255, true]);
});

test("--log-format json without --log: the error is a JSON line on stderr, as runc's", () => {
  for (const runtime of BOTH) {
    const r = oci(runtime, ["--log-format", "json", "state", "nosuch-parity"]);
    const line = JSON.parse(r.stderr.trim().split("\n").at(-1)!);
    expect([runtime, r.code, line.level, typeof line.msg, typeof line.time]).toEqual([runtime, 1, "error", "string", "string"]);
  }
});

test("a reader that goes away (events | head) ends skiff-oci quietly with a shell's SIGPIPE status, as runc ends (the trial: a kernel EPIPE error)", async () => {
  const b = bundle("skiff", ["sleep", "60"]);
  expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
  const sh = spawn(["bash", "-c", `${SKIFF_OCI} --root ${TEST_STATE_ROOT}/skiff events --interval 100ms ${b.id} | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = [await new Response(sh.stdout).text(), await new Response(sh.stderr).text()];
  await sh.exited;
  expect([out.trim(), err]).toEqual(["141", ""]);
});

test("exec --preserve-fds of fds that are not open names the fd, as runc's (the trial: a kernel EBADF with a path hint)", () => {
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sleep", "60"]);
    expect(runBundle(runtime, b, ["--detach"]).code).toBe(0);
    // (oci() gives the runtime stdin, stdout and stderr only: fds 3 to 7 are not open)
    const r = oci(runtime, ["exec", "--preserve-fds", "5", b.id, "true"]);
    expect([runtime, r.code, r.stderr]).toEqual([runtime, 255, expect.stringContaining("unable to stat preserved-fd")]);
  }
});

test("help: `help COMMAND` and `h COMMAND` give the command's help, as runc's, and a command's help lists every flag it takes (the trial: the global help; exec's left out --pid-file and --preserve-fds)", () => {
  for (const argv of [["help", "kill"], ["h", "kill"], ["kill", "--help"]]) {
    const r = oci("skiff", argv);
    expect([argv.join(" "), r.code, r.stdout.split("\n")[0], r.stdout.includes("--all, -a")]).toEqual([argv.join(" "), 0, "usage: skiff-oci kill [--all] ID [SIGNAL]", true]);
  }
  const exec = oci("skiff", ["exec", "--help"]).stdout;
  for (const flag of ["--pid-file", "--preserve-fds", "--console-socket", "--process", "--detach", "--additional-gids"]) expect([flag, exec.includes(flag)]).toEqual([flag, true]);
});

test("events: an OOM kill of the init itself is said before events ends with the container (the trial: runc said it, skiff-oci ended first)", async () => {
  const b = bundle("skiff", ["sh", "-c", "sleep 1; a=$(head -c 200000000 /dev/zero | tr '\\0' x); echo ${#a}"], (c) => (c.linux.resources = { memory: { limit: 24 << 20, swap: 24 << 20 } }));
  expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
  const p = spawn([SKIFF_OCI, "--root", `${TEST_STATE_ROOT}/skiff`, "events", "--interval", "30s", b.id], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(), 15_000);
  const out = await new Response(p.stdout).text();
  clearTimeout(timer);
  expect(await p.exited).toBe(0);
  expect(status("skiff", b)).toBe("stopped");
  expect(out.split("\n").filter(Boolean).map((l) => JSON.parse(l).type)).toContain("oom");
});

test("exec --ignore-paused into a paused container runs once it is resumed; without it, runc's refusal naming the flag (the trial: the flag was taken and ignored)", async () => {
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sleep", "60"]);
    expect(runBundle(runtime, b, ["--detach"]).code).toBe(0);
    expect(oci(runtime, ["pause", b.id]).code).toBe(0);
    const refused = oci(runtime, ["exec", b.id, "true"]);
    expect([runtime, refused.code, refused.stderr]).toEqual([runtime, 255, expect.stringContaining("use --ignore-paused to override")]);
    const root = `${TEST_STATE_ROOT}/${runtime}`;
    const p = spawn([runtime === "skiff" ? SKIFF_OCI : "runc", "--root", root, "exec", "--ignore-paused", b.id, "sh", "-c", "exit 7"], { stdout: "ignore", stderr: "pipe" });
    await Bun.sleep(300);
    expect(oci(runtime, ["resume", b.id]).code).toBe(0);
    expect([runtime, await p.exited]).toEqual([runtime, 7]);
  }
});

test("an empty HOME in process.env is as none: the user's home from the rootfs's passwd, as runc gives it (a new-user trial through docker: -e HOME= left it empty)", () => {
  const got: Record<string, string> = {};
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sh", "-c", 'echo "[$HOME]"'], (c) => (c.process.env = [...c.process.env, "HOME="]));
    const r = runBundle(runtime, b);
    expect(r.code).toBe(0);
    got[runtime] = r.stdout.trim();
  }
  expect(got).toEqual({ skiff: "[/root]", runc: "[/root]" });
});

test("a seccomp profile that refuses exit (or everything) ends the run, as runc's: the runtime's trial of the filter and its own failure path end by a signal where the filter refuses exit (a new-user trial under podman: create spun on exit(0) = EPERM forever)", () => {
  const profiles = {
    // (an errno default with nothing allowed: the container's process cannot even be started)
    nothing: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [] },
    // (echo runs and writes; its exit is refused: glibc's _exit then faults, 139)
    noExit: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["exit", "exit_group"], action: "SCMP_ACT_ERRNO" }] },
  };
  const got: Record<string, [number, string]> = {};
  for (const runtime of BOTH)
    for (const [name, seccomp] of Object.entries(profiles)) {
      const b = bundle(runtime, ["echo", "hi"], (c) => (c.linux.seccomp = seccomp));
      const started = Date.now();
      const r = runBundle(runtime, b, []);
      expect([runtime, name, Date.now() - started < 15000]).toEqual([runtime, name, true]);
      got[`${runtime} ${name}`] = [r.code, r.stdout.trim()];
    }
  expect(got["skiff noExit"]).toEqual(got["runc noExit"]!);
  expect(got["skiff noExit"]).toEqual([139, "hi"]);
  expect(got["skiff nothing"]![0]).not.toBe(0);
  expect(got["runc nothing"]![0]).not.toBe(0);
  // a killing default: the trial's child killed at its exit is a filter that loaded (it was ECHILD)
  const b = bundle("skiff", ["echo", "hi"], (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_KILL", syscalls: [] }));
  const killed = runBundle("skiff", b, []);
  expect(killed.stderr).not.toContain("ECHILD");
  expect(killed.code).toBe(128 + 31);
});

test("a container with a terminal has /dev/console, its terminal, as runc binds it (a new-user trial under podman and ctr: no /dev/console); an exec's terminal leaves it alone", () => {
  const got: Record<string, string> = {};
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sh", "-c", "test -c /dev/console && stat -c %t /dev/console && test $(stat -c %t%T /dev/console) = $(stat -c %t%T $(tty)) && echo same"], (c) => (c.process.terminal = true));
    // (on a terminal of its own, as a user's shell gives one: runc's run refuses a terminal otherwise)
    const bin = runtime === "runc" ? "runc" : SKIFF_OCI;
    const r = spawnSync("script", ["-qec", `${bin} --root ${TEST_STATE_ROOT}/${runtime} run --bundle ${b.dir} ${b.id}`, "/dev/null"], { encoding: "utf8", timeout: 30000 });
    // (only the probe's lines: script, its stdin at its end, may echo a ^@ into the terminal)
    got[runtime] = `${r.status} ${r.stdout.replace(/\r/g, "").split("\n").filter((l) => /^(88|same)$/.test(l.replace(/^\^@/, ""))).map((l) => l.replace(/^\^@/, "")).join("\n")}`;
  }
  expect(got.skiff).toBe(got.runc!);
  expect(got.skiff).toBe("0 88\nsame");
});

test("a tmpfs with tmpcopyup (podman's --tmpfs) holds what the directory it covers held, with owners, modes and links, as runc's, and times (a new-user trial: skiff-oci took the option and mounted an empty tmpfs)", () => {
  const probe = "cd /etc && ls -ln passwd group | cut -c1-40 && readlink mylink && readlink hostlink && test ! -e hostlink && cat sub/deep && stat -c '%a %u:%g' /etc /etc/sub && touch /etc/new && ls /etc/new && stat -c %Y /etc/passwd >&2";
  const got: Record<string, string> = {};
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sh", "-c", probe], (c) => {
      c.mounts.push({ destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "tmpcopyup"] });
    });
    // a rootfs of its own, and what the copy must carry: a subdirectory of another owner and mode, a file in it, a symlink
    execFileSync("cp", ["-a", busyboxRootfs(), join(b.dir, "rootfs")]);
    b.config.root = { path: join(b.dir, "rootfs"), readonly: true };
    writeFileSync(join(b.dir, "config.json"), JSON.stringify(b.config, null, 2));
    mkdirSync(join(b.dir, "rootfs/etc/sub"), { mode: 0o711 });
    writeFileSync(join(b.dir, "rootfs/etc/sub/deep"), "deep\n");
    chownSync(join(b.dir, "rootfs/etc/sub"), 12, 34);
    chmodSync(join(b.dir, "rootfs/etc/sub"), 0o711);
    symlinkSync("passwd", join(b.dir, "rootfs/etc/mylink"));
    // a link to a path of the host is copied as the link it is, never followed by the copy
    symlinkSync("/etc/shadow", join(b.dir, "rootfs/etc/hostlink"));
    const r = runBundle(runtime, b);
    expect([runtime, r.code]).toEqual([runtime, 0]);
    got[runtime] = r.stdout;
    // times are kept too (runc's copy gives the copies the time of the copy: skiff-oci keeps them, as cp -a)
    if (runtime === "skiff") expect(r.stderr.trim()).toBe(String(Math.floor(statSync(join(b.dir, "rootfs/etc/passwd")).mtimeMs / 1000)));
    // the copy is the container's: the bundle's /etc has no new file
    expect(existsSync(join(b.dir, "rootfs/etc/new"))).toBe(false);
  }
  expect(got.skiff).toContain("passwd\n/etc/shadow\ndeep\n");
  expect(got.skiff).toContain("711 12:34\n");
  expect(got.skiff).toBe(got.runc);
});

test("a capability name the runtime does not know is left out with a warning, as runc's, in config.json and in exec --cap (a new-user trial: skiff-oci refused the container; a newer engine may list one)", () => {
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sh", "-c", "grep CapEff /proc/self/status; sleep 30"], (c) => {
      for (const set of ["bounding", "effective", "permitted"] as const) c.process.capabilities![set] = [...c.process.capabilities![set]!, "CAP_FUTURE_THING"];
    });
    const created = oci(runtime, ["run", "-d", "--bundle", b.dir, b.id]);
    expect([runtime, created.code, /ignoring unknown or unavailable capabilities: \[CAP_FUTURE_THING\]/.test(created.stderr)]).toEqual([runtime, 0, true]);
    const exec = oci(runtime, ["exec", "--cap", "CAP_BOGUS", b.id, "true"]);
    expect([runtime, exec.code, exec.stderr.includes("CAP_BOGUS")]).toEqual([runtime, 0, true]);
  }
});

test("list makes a missing root as runc's; checkpoint and restore are refused with status 1 (runc's without CRIU), not as unknown commands; update --kernel-memory is said to be ignored, as runc says it (a new-user trial)", () => {
  for (const runtime of BOTH) {
    const root = `${TEST_STATE_ROOT}/missing-${runtime}-${process.pid}`;
    const r = spawnSync(runtime === "skiff" ? SKIFF_OCI : "runc", ["--root", root, "list"], { encoding: "utf8" });
    expect([runtime, r.status, existsSync(root)]).toEqual([runtime, 0, true]);
    spawnSync("rmdir", [root]);
  }
  const cp = oci("skiff", ["checkpoint", "--image-path", "/nonexistent", "nothing"]);
  expect([cp.code, cp.stderr.includes("checkpoint: not supported by skiff-oci")]).toEqual([1, true]);
  expect(oci("skiff", ["restore", "nothing"]).code).toBe(1);
  for (const runtime of BOTH) {
    const b = bundle(runtime, ["sleep", "30"]);
    expect(oci(runtime, ["run", "-d", "--bundle", b.dir, b.id]).code).toBe(0);
    const u = oci(runtime, ["update", "--kernel-memory", "100m", b.id]);
    expect([runtime, u.code, u.stderr.includes("Kernel memory settings are ignored")]).toEqual([runtime, 0, true]);
  }
});
