// The mounts of a container as dockerd lays them out (confirmed by test/spec-differential.test.ts):
// its defaults (/proc, /dev, /dev/pts, /sys, /sys/fs/cgroup, /dev/mqueue, /dev/shm), the init's
// binary, then the user's mounts and the network files sorted parents first: binds, the three
// network files (/etc/resolv.conf, /etc/hostname, /etc/hosts, or the user's bind in their place),
// tmpfs mounts, ordered by the number of components of their destination (ties keep that order).
import { posix } from "node:path";
import { invalid } from "../../../common/errors.ts";
import type { BindMount, TmpfsMount } from "./options.ts";

export interface SpecMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** docker's --shm-size default: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Where --init's binary appears in the container (docker's name, which tools look for). */
export const INIT_DESTINATION = "/sbin/docker-init";

export const MASKED_PATHS = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"];
export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export function defaultMounts(shmSize = DEFAULT_SHM_SIZE): SpecMount[] {
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${shmSize}`] },
  ];
}

// Mount flags by family: of the options of one family, the last given wins. Propagation (and
// bind, which means nothing for tmpfs) is one family, so "shared" replaces the default rprivate.
const FAMILIES: Record<string, string> = {};
for (const family of [["ro", "rw"], ["suid", "nosuid"], ["dev", "nodev"], ["exec", "noexec"], ["sync", "async"], ["dirsync"], ["remount"], ["mand", "nomand"], ["atime", "noatime"], ["diratime", "nodiratime"], ["relatime", "norelatime"], ["strictatime", "nostrictatime"], ["private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", "bind", "rbind"]])
  for (const name of family) FAMILIES[name] = family[0]!;
const TMPFS_DATA = new Set(["size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"]);

/** docker's tmpfs options: its defaults noexec, nosuid, nodev, rprivate, then the user's; one of
 * each family and each data key, the last given winning, in the order of their last mention. */
export function tmpfsOptions(m: TmpfsMount): string[] {
  const given = m.options === "" ? [] : m.options.split(",");
  const all = ["noexec", "nosuid", "nodev", "rprivate", ...given];
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const option = all[i]!;
    if (option === "defaults") continue;
    let key = FAMILIES[option];
    if (key === undefined) {
      const eq = option.indexOf("=");
      const name = eq < 0 ? option : option.slice(0, eq);
      if (eq <= 0 || !TMPFS_DATA.has(name))
        throw invalid("engine", "ENGINE_INVALID_TMPFS", `--tmpfs ${m.destination}: unknown option ${JSON.stringify(option)}`, `use mount flags (ro, exec, nosuid, …) or ${[...TMPFS_DATA].join("=, ")}=`, { field: "--tmpfs" });
      key = `=${name}`;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    out.unshift(option);
  }
  return out;
}

/** An absolute, clean container path ("/a//b/" → "/a/b"); "/" itself cannot be mounted over. */
export function cleanDestination(dest: string, flag: string): string {
  if (!dest.startsWith("/")) throw invalid("engine", "ENGINE_INVALID_MOUNT", `${flag} ${JSON.stringify(dest)}: the container path must be absolute`, "give an absolute path inside the container", { field: flag });
  const clean = posix.normalize(dest).replace(/\/+$/, "") || "/";
  if (clean === "/") throw invalid("engine", "ENGINE_INVALID_MOUNT", `${flag} ${JSON.stringify(dest)}: cannot mount over the container's root`, "give a path below /", { field: flag });
  return clean;
}

const depth = (dest: string) => dest.split("/").length;

/** A stable sort by depth, so that a mount's parent is mounted before it. */
const parentsFirst = (ms: SpecMount[]) => ms.map((m, i) => [m, i] as const).sort((a, b) => depth(a[0].destination) - depth(b[0].destination) || a[1] - b[1]).map(([m]) => m);

export interface MountInput {
  binds?: BindMount[];
  /** Volumes, by the host path of their content (bound as dockerd binds them: rbind, no propagation option). */
  volumes?: { source: string; destination: string; readOnly: boolean }[];
  tmpfs?: TmpfsMount[];
  readOnly?: boolean;
  privileged?: boolean;
  shmSize?: number;
  /** /dev/shm: --ipc host binds the host's instead of a tmpfs of the container's own; --ipc none has none. */
  shm?: "host" | "none";
  /** Host path of the init binary, when --init. */
  initPath?: string;
  networkFiles: { resolvConf: string; hostname: string; hosts: string };
}

export function containerMounts(o: MountInput): SpecMount[] {
  const binds = (o.binds ?? []).map((b) => {
    if (!b.source.startsWith("/")) throw invalid("engine", "ENGINE_INVALID_MOUNT", `-v ${b.source}:${b.destination}: the host path must be absolute`, "give an absolute host path, or a volume's name (-v NAME:/ctr)", { field: "-v" });
    return { ...b, destination: cleanDestination(b.destination, "-v") };
  });
  const volumes = (o.volumes ?? []).map((v) => ({ ...v, destination: cleanDestination(v.destination, "-v") }));
  const tmpfs = (o.tmpfs ?? []).map((t) => ({ ...t, destination: cleanDestination(t.destination, "--tmpfs") }));
  const dests = [...binds, ...volumes, ...tmpfs].map((m) => m.destination);
  const dup = dests.find((d, i) => dests.indexOf(d) !== i);
  if (dup) throw invalid("engine", "ENGINE_DUPLICATE_MOUNT", `Duplicate mount point: ${dup}`, "give each container path once among -v, --mount and --tmpfs", { path: dup });

  const ro = (readOnly: boolean, propagation = "rprivate") => (readOnly ? ["rbind", "ro", propagation] : ["rbind", propagation]);
  const network: [string, string][] = [["/etc/resolv.conf", o.networkFiles.resolvConf], ["/etc/hostname", o.networkFiles.hostname], ["/etc/hosts", o.networkFiles.hosts]];
  const isNetworkFile = (d: string) => network.some(([dest]) => dest === d);
  const user: SpecMount[] = [
    ...parentsFirst([
      ...binds.filter((b) => !isNetworkFile(b.destination)).map((b) => ({ destination: b.destination, type: "bind", source: b.source, options: ro(b.readOnly, b.propagation) })),
      ...volumes.map((v) => ({ destination: v.destination, type: "bind", source: v.source, options: v.readOnly ? ["rbind", "ro"] : ["rbind"] })),
    ]),
    // a bind on a network file takes that file's place (dockerd's order); read-only with the root
    ...network.map(([destination, source]) => {
      const b = binds.find((x) => x.destination === destination);
      return { destination, type: "bind", source: b?.source ?? source, options: ro(!!o.readOnly || !!b?.readOnly, b?.propagation) };
    }),
    ...tmpfs.map((t) => ({ destination: t.destination, type: "tmpfs", source: "tmpfs", options: tmpfsOptions(t) })),
  ];
  const userDests = new Set(user.map((m) => m.destination));
  const overDev = userDests.has("/dev");

  const defaults = defaultMounts(o.shmSize)
    .filter((m) => !(o.shm === "none" && m.destination === "/dev/shm"))
    .map((m) => (o.shm === "host" && m.destination === "/dev/shm" ? { destination: "/dev/shm", type: "bind", source: "/dev/shm", options: ["rbind", "rprivate"] } : m));
  if (o.initPath) defaults.push({ destination: INIT_DESTINATION, type: "bind", source: o.initPath, options: ["bind", "ro"] });
  const kept = defaults.filter((m) => !userDests.has(m.destination) && !(overDev && m.destination.startsWith("/dev/")));
  if (o.readOnly) {
    // what can be written in a read-only container: its own /dev, /proc and IPC mounts
    const writable = new Set(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"]);
    for (const m of kept) if (!writable.has(m.destination) && !m.options.includes("ro")) m.options.push("ro");
  }
  if (o.privileged) for (const m of kept) if (m.destination === "/sys" || m.type === "cgroup") m.options = m.options.filter((x) => x !== "ro");
  return [...kept, ...parentsFirst(user)];
}
