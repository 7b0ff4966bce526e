// What a test may leave behind, measured before and after it: mounts, cgroups, processes,
// network namespaces and container state. Tests name everything they make with "skiff-test".
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerRules, deleteRules } from "./iptables-leaks.ts";

export const TEST_TAG = "skiff-test";
/** Marks what this test process makes, so that test runs side by side do not see each other's. */
export const RUN_TAG = `${TEST_TAG}-${process.pid}`;
/** State root every test's runtime uses (bin/skiff-oci --root, runc --root ...). */
export const TEST_STATE_ROOT = `/run/${TEST_TAG}-state/${process.pid}`;
/** cgroupsPath parent of every test container. */
export const TEST_CGROUP = `/${RUN_TAG}`;
/** The default network's bridge of every skiffd the run starts (--bridge), and its address (--bip):
 *  shared by the run as its cgroup parent is, removed at its end. */
export const TEST_BRIDGE = `skt${process.pid}`;
export const TEST_BIP = `10.${100 + (process.pid % 100)}.${Math.floor(process.pid / 100) % 256}.1/24`;

export interface Snapshot {
  mounts: string[];
  cgroups: string[];
  processes: string[];
  netns: string[];
  state: string[];
  /** Network devices (bridges, veths) other than the run's default bridge. */
  links: string[];
  /** iptables lines for a container or a network (iptables-leaks.ts): one iptables-save per snapshot. */
  iptables: string[];
}

const safe = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};

function testCgroups(): string[] {
  const out: string[] = [];
  // v1 and hybrid: /sys/fs/cgroup/CONTROLLER/RUN_TAG/ID; v2: /sys/fs/cgroup/RUN_TAG/ID
  for (const h of ["", ...safe(() => readdirSync("/sys/fs/cgroup"), [] as string[])]) {
    const base = join("/sys/fs/cgroup", h, RUN_TAG);
    // Containers' cgroups only: the parent is shared by the run (runc leaves it; afterAll removes it).
    if (existsSync(base)) out.push(...safe(() => readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(base, d.name)), []));
  }
  return out;
}

/** Processes still in a container cgroup of this test run. */
function testProcesses(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    const cgroup = safe(() => readFileSync(`/proc/${pid}/cgroup`, "utf8"), "");
    if (cgroup.includes(RUN_TAG)) {
      const stat = safe(() => readFileSync(`/proc/${pid}/stat`, "utf8"), "");
      if (stat && !/\) [ZX] /.test(stat)) out.push(`${pid} ${safe(() => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "), "")}`);
    }
  }
  return out;
}

export function snapshot(): Snapshot {
  return {
    mounts: readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(RUN_TAG)),
    cgroups: testCgroups(),
    processes: testProcesses(),
    // another run's namespaces (named with its own tag) are not this run's to answer for
    netns: safe(() => readdirSync("/run/netns"), [] as string[]).filter((n) => !n.startsWith(TEST_TAG) || n.startsWith(RUN_TAG)),
    state: safe(() => readdirSync(TEST_STATE_ROOT, { recursive: true }).map(String), []).filter((p) => p.split("/").length === 2),
    links: networkLinks(),
    iptables: containerRules(TEST_BRIDGE, isRunNetwork),
  };
}

/** The networks (their ids, which are their CNI names) of the skiffds this run started: each
 *  keeps host-local's reservations in <data root>/networks/ipam/<id>; kept once seen (a test may
 *  remove a network, not what it leaked). Other runs' networks on the machine are theirs. */
const runNetworks = new Set<string>();
function seenNetworks(): Set<string> {
  for (const d of safe(() => readdirSync(`/tmp/${RUN_TAG}`), [] as string[]))
    for (const id of safe(() => readdirSync(`/tmp/${RUN_TAG}/${d}/data/networks/ipam`), [] as string[])) if (/^[0-9a-f]{64}$/.test(id)) runNetworks.add(id);
  return runNetworks;
}

/** A network of this run's: one of its skiffds' (by id), or one a test names with the run's tag. */
const isRunNetwork = (network: string): boolean => network.startsWith(RUN_TAG) || seenNetworks().has(network);

const isRunBridge = (name: string, ids: Set<string>) => name === TEST_BRIDGE || (/^sk-[0-9a-f]{12}$/.test(name) && [...ids].some((id) => id.startsWith(name.slice(3))));

/** The bridges of this run's user-defined networks and the veths on this run's bridges. */
function networkLinks(): string[] {
  const ids = seenNetworks();
  return safe(() => readdirSync("/sys/class/net"), [] as string[]).filter(
    (n) => (n !== TEST_BRIDGE && isRunBridge(n, ids)) || (n.startsWith("veth") && safe(() => isRunBridge(readlinkSync(`/sys/class/net/${n}/master`).split("/").pop() ?? "", ids), false)),
  );
}

/** New things in `after` that were not in `before`, as readable lines. */
export function leaked(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const key of Object.keys(before) as (keyof Snapshot)[]) {
    const old = new Set(before[key]);
    for (const item of after[key]) if (!old.has(item)) out.push(`${key}: ${item}`);
  }
  return out;
}

/** Best-effort removal of what a leaking test left, so the next test starts clean. */
export function sweep(): void {
  // frozen tasks take SIGKILL only once thawed
  for (const dir of testCgroups()) safe(() => writeFileSync(join(dir, "freezer.state"), "THAWED"), undefined);
  for (const p of testProcesses()) safe(() => process.kill(Number(p.split(" ")[0]), "SIGKILL"), undefined);
  Bun.sleepSync(20);
  for (const dir of testCgroups().sort((a, b) => b.length - a.length)) safe(() => rmdirSync(dir), undefined);
  for (const runtime of safe(() => readdirSync(TEST_STATE_ROOT), [] as string[]))
    for (const id of safe(() => readdirSync(join(TEST_STATE_ROOT, runtime)), [] as string[])) rmSync(join(TEST_STATE_ROOT, runtime, id), { recursive: true, force: true });
  sweepNetworks();
}

/** This run's leftover bridges, veths and rules: a bridge left with a test's fixed subnet would
 *  take the next test's traffic for that subnet (and did, while a daemon died mid-test). */
export function sweepNetworks(): void {
  deleteRules(containerRules(TEST_BRIDGE, isRunNetwork));
  for (const link of networkLinks()) Bun.spawnSync(["ip", "link", "delete", link]);
}

