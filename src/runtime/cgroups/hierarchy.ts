// Which cgroup hierarchies the host has (v1 controllers, the unified v2 tree, or both) and where
// the current process sits in each, read from mountinfo and /proc/self/cgroup.

export interface Hierarchy {
  /** "memory", "cpu,cpuacct", "name=systemd", or "" for the v2 unified tree. */
  key: string;
  version: 1 | 2;
  mountpoint: string;
  /** The cgroup path of the calling process in this hierarchy. */
  current: string;
}

export interface CgroupLayout {
  mode: "v1" | "v2" | "hybrid";
  hierarchies: Hierarchy[];
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parses /proc/self/mountinfo and /proc/self/cgroup; pure, for tests on a fake tree. */
export function parseCgroupLayout(mountinfo: string, selfCgroup: string): CgroupLayout {
  const current = new Map<string, string>();
  for (const line of selfCgroup.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) current.set(m[1]!, m[2]!);
  }
  const hierarchies: Hierarchy[] = [];
  for (const line of mountinfo.split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const [fstype, , superOpts = ""] = post.split(" ");
    const mountpoint = unescape(pre.split(" ")[4] ?? "");
    if (fstype === "cgroup2") hierarchies.push({ key: "", version: 2, mountpoint, current: current.get("") ?? "/" });
    if (fstype !== "cgroup") continue;
    const opts = superOpts.split(",");
    const key = [...current.keys()].find((k) => k !== "" && k.split(",").every((c) => opts.includes(c)));
    if (key !== undefined) hierarchies.push({ key, version: 1, mountpoint, current: current.get(key)! });
  }
  const v1 = hierarchies.some((h) => h.version === 1);
  const v2 = hierarchies.some((h) => h.version === 2);
  return { mode: v1 && v2 ? "hybrid" : v1 ? "v1" : "v2", hierarchies };
}
