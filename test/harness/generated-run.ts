// Runs one generated config (a Recipe) under one runtime and reports what happened: whether the
// probe ran, its exit status and its report, normalised so that two runs of the same config read
// the same. Each run gets a fresh copy of the busybox rootfs, its own hook log, and its own
// namespace holders: a joined mount namespace is changed by the container (it pivots into it), so
// no two runs may share one.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NS_TYPES, type NsType, type Recipe } from "./config-gen.ts";
import { applyRecipe, configText, probePaths, procNsName } from "./recipe-config.ts";
import { TEST_CGROUP, TEST_STATE_ROOT } from "./leaks.ts";
import { busyboxRootfs, oci, REPO, RUNTIMES, SKIFF_OCI, tempDir, type Config, type RuntimeName } from "./oci.ts";
import { normalise, parse, type Report } from "./probe.ts";

export interface Outcome {
  /** create or start failed. */
  refused: boolean;
  /** The probe started (its first section is in the output) and the runtime did not fail. */
  ran: boolean;
  /** The probe's sections, the hook log ("hooks") and the container's stderr ("stderr"). */
  report: Report;
  /** What the runtime itself wrote (errors, warnings): reported, never compared. */
  runtimeMessages: string[];
}

let spec: Config | undefined;
/** The config `skiff-oci spec` writes (runc's default; test/oci-generated checks they agree). */
export function specConfig(): Config {
  if (spec) return structuredClone(spec);
  const dir = tempDir("spec");
  try {
    execFileSync(SKIFF_OCI, ["spec", "--bundle", dir]);
    spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return structuredClone(spec);
}

interface Holder {
  /** The process in the namespaces (unshare's child where it forks). */
  pid: number;
  process: ChildProcess;
}

/** A sleep in new namespaces made by unshare(1) with `flags`; --fork where the namespace is only
 * for children (pid, time). Returns once the sleep runs in them. */
function holder(flags: string[]): Holder {
  const fork = flags.includes("--pid") || flags.includes("--time");
  const process = spawn("unshare", [...(fork ? ["--fork", "--kill-child"] : []), ...flags, "sleep", "600"], { stdio: "ignore" });
  for (let i = 0; i < 400; i++, Bun.sleepSync(5)) {
    try {
      const pid = fork ? Number(readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8").trim()) : process.pid!;
      if (pid && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sleep") return { pid, process };
    } catch {}
  }
  process.kill("SIGKILL");
  throw new Error(`unshare ${flags.join(" ")} did not start`);
}

const UNSHARE_FLAG: Record<NsType, string[]> = {
  pid: ["--pid"], network: ["--net"], ipc: ["--ipc"], uts: ["--uts"], mount: ["--mount", "--propagation", "private"],
  cgroup: ["--cgroup"], user: ["--user", "--map-root-user"], time: ["--time"],
};

function stopHolder(h: Holder): void {
  h.process.kill("SIGKILL");
  for (let i = 0; i < 400 && existsSync(`/proc/${h.process.pid}`) && !/\) Z /.test(safeRead(`/proc/${h.process.pid}/stat`)); i++) Bun.sleepSync(5);
}

const safeRead = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

export interface RunOptions {
  /** Container id (the same for every runtime: its cgroup path then reads the same). */
  id: string;
  /** A change to the config for this runtime only (see runc-differences.ts). */
  adapt?: (c: Config) => void;
}

export function runRecipe(runtime: RuntimeName, recipe: Recipe, opts: RunOptions): Outcome {
  const dir = tempDir("gen");
  // reachable by a user namespace's root mapped to another host uid (mkdtemp makes it 0700, and
  // such configs then failed alike under both runtimes, never compared: a trial found a bug there)
  chmodSync(dir, 0o755);
  const rootfs = join(dir, "rootfs");
  mkdirSync(rootfs);
  execFileSync("cp", ["-a", ...["bin", "etc", "tmp"].map((d) => join(busyboxRootfs(), d)), rootfs]);
  // the mount points that such a root could not make in a root-owned rootfs (runc makes none then)
  for (const d of ["proc", "dev", "sys"]) mkdirSync(join(rootfs, d));
  // the hook log is written by hooks outside and inside the container, as any user
  const hookDir = join(dir, "hooks");
  mkdirSync(hookDir);
  chmodSync(hookDir, 0o777);
  const hookLog = join(hookDir, "log");
  writeFileSync(hookLog, "");
  chmodSync(hookLog, 0o666);

  const holders: Holder[] = [];
  const parents = readdirSync("/sys/fs/cgroup").map((h) => join("/sys/fs/cgroup", h, TEST_CGROUP)).filter((p) => !existsSync(p));
  const fds: number[] = [];
  try {
    const joined = NS_TYPES.filter((t) => recipe.namespaces[t] === "joined");
    const target = joined.length ? holder(joined.flatMap((t) => UNSHARE_FLAG[t])) : undefined;
    if (target) holders.push(target);
    // Without a mount namespace the container mounts in its caller's: the caller is put in a
    // throw-away one (a slave of the host's, so nothing goes back), which stands for "host".
    const caller = recipe.namespaces.mount === "absent" ? holder(["--mount", "--propagation", "slave"]) : undefined;
    if (caller) holders.push(caller);

    const config = applyRecipe(specConfig(), recipe, {
      rootfs,
      nsPath: (type) => `/proc/${target!.pid}/ns/${procNsName(type)}`,
      hookProgram: join(REPO, "test/fixtures/hook-log.sh"),
      hookLog,
      cgroupsPath: `${TEST_CGROUP}/${opts.id}`,
      args: ["sh", "/probe/gen-probe.sh", ...probePaths(recipe)],
    });
    opts.adapt?.(config);
    writeFileSync(join(dir, "config.json"), configText(config));

    // create and start as engines drive a runtime (run would put its own pipes between the
    // container and the files); the container's stdio are the files themselves.
    const out = openSync(join(dir, "out"), "w+");
    const err = openSync(join(dir, "err"), "w+");
    fds.push(out, err);
    const verb = (args: string[], stdio: number[] = []) => {
      const argv = [RUNTIMES[runtime], "--root", `${TEST_STATE_ROOT}/${runtime}`, ...args];
      const command = caller ? ["nsenter", `--mount=/proc/${caller.pid}/ns/mnt`, "--", ...argv] : argv;
      const r = spawnSync(command[0]!, command.slice(1), { stdio: ["ignore", stdio[0] ?? "pipe", stdio[1] ?? "pipe"], timeout: 60000, encoding: "utf8" });
      return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    };
    const messages: string[] = [];
    const create = verb(["create", "--bundle", dir, opts.id], [out, err]);
    let refused = create.code !== 0;
    let timedOut = false;
    if (!refused) {
      const start = verb(["start", opts.id]);
      messages.push(...lines(start.stderr));
      refused = start.code !== 0;
      if (!waitStopped((args) => verb(args), opts.id)) {
        // a profile can leave the shell looping on a refused call: the same under both runtimes
        verb(["kill", opts.id, "KILL"]);
        waitStopped((args) => verb(args), opts.id);
        messages.push("(the container did not stop within 20 s and was killed)");
        timedOut = true;
      }
      const del = verb(["delete", opts.id]);
      messages.push(...lines(del.stderr));
    }
    const stdout = readFileSync(join(dir, "out"), "utf8");
    const { container, runtime: runtimeMessages } = splitStderr(readFileSync(join(dir, "err"), "utf8"));
    // how far a killed probe got depends on timing: only that it was killed is compared
    if (timedOut) container.splice(0, Infinity, "(killed after 20 s)");
    runtimeMessages.push(...messages);

    const names: Record<string, string> = {};
    for (const t of joined) names[`/proc/${target!.pid}/ns/${procNsName(t)}`] = "joined";
    if (caller) names[`/proc/${caller.pid}/ns/mnt`] = "host";
    const report = normalise({ ...parse(stdout), hooks: readFileSync(hookLog, "utf8").split("\n").filter(Boolean).sort(), stderr: container }, { rootfs, dir, id: opts.id, names });
    // Outside a new pid namespace the shell's pid is whatever the host (or the holder) gives it,
    // in its own line and in paths under /proc/PID that errors name.
    const shell = (report.namespaces ?? []).map((l) => /^shell pid: (\d+)$/.exec(l)?.[1]).find(Boolean);
    if (shell && shell !== "1")
      for (const [section, lines] of Object.entries(report))
        report[section] = lines.map((l) => (l === `shell pid: ${shell}` ? "shell pid: (not 1)" : l.replaceAll(`/proc/${shell}/`, "/proc/<shell pid>/")));
    // /proc/keys starts with the key's serial (random) and its usage count (references, the
    // runtime's own processes among them): the rest (flags, permissions, owner, type, name) counts.
    report.paths = (report.paths ?? []).map((l) => l.replace(/^(\/proc\/keys: .* read=')[0-9a-f]{8} (\S+) +\d+ /, "$1<serial> $2 <n> "));
    return { ran: !refused && stdout.includes("== status\n"), refused, report, runtimeMessages };
  } finally {
    for (const fd of fds) closeSync(fd);
    oci(runtime, ["delete", "--force", opts.id]);
    for (const h of holders) stopHolder(h);
    for (const p of parents)
      try {
        rmdirSync(p);
      } catch {}
    // SKIFF_GEN_KEEP=1 keeps the bundle (config.json, rootfs, output) to look at
    if (process.env.SKIFF_GEN_KEEP) console.error(`${runtime}: bundle kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (text: string) => text.split("\n").filter(Boolean);

/** Whether the container stopped within 20 s. */
function waitStopped(verb: (args: string[]) => { code: number; stdout: string }, id: string): boolean {
  for (const end = Date.now() + 20000; Date.now() < end; Bun.sleepSync(20)) {
    const s = verb(["state", id]);
    if (s.code !== 0 || JSON.parse(s.stdout).status === "stopped") return true;
  }
  return false;
}

/** The runtimes' own lines (runc's logrus lines, skiff-oci's "layer: message (CODE)" and
 * "hint:"/"warning:"/"debug:" lines) apart from what the container wrote: a runtime's wording is
 * its own, the container's output must match. */
function splitStderr(text: string): { container: string[]; runtime: string[] } {
  const container: string[] = [];
  const runtime: string[] = [];
  for (const line of lines(text)) {
    if (/^time="[^"]*" level=\w+ msg=/.test(line) || /^(cli|runtime|kernel|hint|warning|debug): /.test(line)) runtime.push(line);
    else container.push(line);
  }
  return { container, runtime };
}
