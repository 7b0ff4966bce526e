// Runs test/fixtures/probe.sh in a container under a given runtime and returns what it saw, with
// what differs from run to run (host paths, container ids, inode numbers) replaced by names.
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { TEST_CGROUP, TEST_STATE_ROOT } from "./leaks.ts";
import { busyboxRootfs, makeBundle, oci, REPO, RUNTIMES, tempDir, type Config, type RuntimeName } from "./oci.ts";

const FIXTURES = join(REPO, "test/fixtures");
const NS_TYPES = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

/** Sections of the probe's output ("== name"), each a list of lines. */
export type Report = Record<string, string[]>;

export interface ProbeOptions {
  /** Changes to the default config (the probe's mount at /probe and args are already set). */
  edit?: (c: Config) => void;
  /** Paths the probe checks (masked or read-only paths). */
  paths?: string[];
  /** Give the container its own copy of the rootfs (for a writable root, or a cwd to create). */
  copyRoot?: boolean;
  /** Open files passed to the runtime as fds 3, 4 ... and `--preserve-fds` (may be fewer). */
  extraFds?: number;
  preserveFds?: number;
  noPivot?: boolean;
  /** Namespace files (such as /run/netns/NAME) reported by these names instead of "new". */
  namespaceNames?: Record<string, string>;
}

const DEFAULT_PATHS = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/acpi", "/sys/firmware", "/proc/sys", "/proc/sys/kernel/hostname", "/proc/sysrq-trigger"];

export function probe(runtime: RuntimeName, opts: ProbeOptions = {}): Report {
  const dir = tempDir("probe");
  const rootfs = opts.copyRoot ? join(dir, "rootfs") : busyboxRootfs();
  // Only what scripts/make-busybox-bundle puts there: the shared rootfs also holds the
  // mountpoints earlier containers made, and runc 1.1.5 treats an existing tmpfs mountpoint
  // differently (see the tmpfs tests).
  if (opts.copyRoot) {
    mkdirSync(rootfs);
    execFileSync("cp", ["-a", ...["bin", "etc", "tmp"].map((d) => join(busyboxRootfs(), d)), rootfs]);
  }
  const bundle = makeBundle(["sh", "/probe/probe.sh", ...(opts.paths ?? DEFAULT_PATHS)], (c) => {
    c.root.path = rootfs;
    c.mounts.push({ destination: "/probe", type: "bind", source: FIXTURES, options: ["rbind", "ro"] });
    opts.edit?.(c);
  });
  const parents = missingCgroupParents();
  const fds: number[] = [];
  try {
    const out = openSync(join(dir, "out"), "w+");
    const err = openSync(join(dir, "err"), "w+");
    fds.push(out, err);
    for (let i = 0; i < (opts.extraFds ?? 0); i++) fds.push(openSync(join(dir, `fd${3 + i}`), "w"));
    const flags = [...(opts.preserveFds ? ["--preserve-fds", String(opts.preserveFds)] : []), ...(opts.noPivot ? ["--no-pivot"] : [])];
    const create = spawnSync(RUNTIMES[runtime], ["--root", `${TEST_STATE_ROOT}/${runtime}`, "create", "--bundle", bundle.dir, ...flags, bundle.id], {
      stdio: ["ignore", ...fds],
      timeout: 30000,
    });
    if (create.status !== 0) throw new Error(`${runtime} create failed (${create.status}): ${readFileSync(join(dir, "err"), "utf8")}`);
    const start = oci(runtime, ["start", bundle.id]);
    if (start.code !== 0) throw new Error(`${runtime} start failed: ${start.stderr}`);
    waitStopped(runtime, bundle.id);
    const stderr = readFileSync(join(dir, "err"), "utf8");
    if (stderr) throw new Error(`the probe under ${runtime} wrote to stderr:\n${stderr}`);
    const text = readFileSync(join(dir, "out"), "utf8");
    return normalise(parse(text), { rootfs, dir, id: bundle.id, names: opts.namespaceNames ?? {} });
  } finally {
    for (const fd of fds) closeSync(fd);
    oci(runtime, ["delete", "--force", bundle.id]);
    for (const p of parents) if (existsSync(p)) rmdirQuietly(p);
    bundle.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

function waitStopped(runtime: RuntimeName, id: string): void {
  for (const end = Date.now() + 20000; Date.now() < end; Bun.sleepSync(10)) {
    const s = oci(runtime, ["state", id]);
    if (s.code !== 0 || JSON.parse(s.stdout).status === "stopped") return;
  }
  throw new Error(`${runtime}: container ${id} did not stop`);
}

/** runc creates the test cgroup parent (cgroupsPath's dirname) and leaves it on delete; the
 * probe removes what did not exist before it ran so the leak check stays meaningful. */
function missingCgroupParents(): string[] {
  return readdirSync("/sys/fs/cgroup")
    .map((h) => join("/sys/fs/cgroup", h, TEST_CGROUP))
    .filter((p) => !existsSync(p));
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {}
}

export function parse(text: string): Report {
  const report: Report = {};
  let lines: string[] | undefined;
  for (const line of text.split("\n")) {
    const m = /^== (.+)$/.exec(line);
    if (m) report[m[1]!] = lines = [];
    else if (line && lines) lines.push(line);
  }
  return report;
}

export function normalise(report: Report, ctx: { rootfs: string; dir: string; id: string; names: Record<string, string> }): Report {
  const host = new Map(NS_TYPES.map((t) => [readlinkSync(`/proc/self/ns/${t}`), "host"]));
  for (const [path, name] of Object.entries(ctx.names)) for (const t of NS_TYPES) host.set(`${t}:[${statSync(path).ino}]`, name);
  const text = (s: string) =>
    s.replaceAll(ctx.rootfs, "<rootfs>").replaceAll(ctx.dir, "<probe dir>").replaceAll(ctx.id, "<id>").replace(/(pipe|socket):\[\d+\]/g, "$1:[]");
  const out: Report = {};
  for (const [section, lines] of Object.entries(report)) out[section] = lines.map(text);
  // "lrwx------ 1 root root 64 Nov 23 15:07 3 -> /dev/null": the date and owner go.
  out.fds = (report.fds ?? []).flatMap((l) => /(\d+ -> .*)$/.exec(text(l))?.[1] ?? []);
  out.namespaces = (report.namespaces ?? []).map((l) => {
    const [type, link] = l.split(": ");
    return /^\w+:\[\d+\]$/.test(link ?? "") ? `${type}: ${host.get(link!) ?? "new"}` : l;
  });
  return out;
}
