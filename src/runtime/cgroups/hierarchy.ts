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

// Read with indexOf and slice, no regular expression or Array builtin: this runs on every create
// and delete, where a compiled skiff-oci pays for each builtin's first use (issue 9).

/** mountinfo's octal escapes (\040 for a space) decoded. */
function unescape(s: string): string {
  if (s.indexOf("\\") < 0) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 92 /* backslash */ && isOctal(s, i + 1) && isOctal(s, i + 2) && isOctal(s, i + 3)) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else out += s[i];
  }
  return out;
}

function isOctal(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 55;
}

/** The lines of a file, without the newline. */
function lines(text: string): string[] {
  const out: string[] = [];
  for (let at = 0; at <= text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    out.push(text.slice(at, end));
    at = end + 1;
  }
  return out;
}

/** The n-th field (from 0) of a line whose fields are separated by one space each; "" if absent. */
function field(line: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const next = line.indexOf(" ", at);
    if (next < 0) return "";
    at = next + 1;
  }
  const end = line.indexOf(" ", at);
  return end < 0 ? line.slice(at) : line.slice(at, end);
}

/** Whether every controller of `key` ("cpu,cpuacct", "name=systemd") is among the mount's options. */
function mountedWith(key: string, superOpts: string): boolean {
  const opts = `,${superOpts},`;
  for (let at = 0; at <= key.length; ) {
    let end = key.indexOf(",", at);
    if (end < 0) end = key.length;
    if (opts.indexOf(`,${key.slice(at, end)},`) < 0) return false;
    at = end + 1;
  }
  return true;
}

/** Parses /proc/self/mountinfo and /proc/self/cgroup; pure, for tests on a fake tree. */
export function parseCgroupLayout(mountinfo: string, selfCgroup: string): CgroupLayout {
  // /proc/self/cgroup: "ID:CONTROLLERS:PATH", CONTROLLERS "" for the unified tree
  const current = new Map<string, string>();
  for (const line of lines(selfCgroup)) {
    const a = line.indexOf(":");
    const b = a > 0 ? line.indexOf(":", a + 1) : -1;
    if (b < 0 || !isDigits(line.slice(0, a))) continue;
    current.set(line.slice(a + 1, b), line.slice(b + 1));
  }
  const hierarchies: Hierarchy[] = [];
  // mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
  for (const line of lines(mountinfo)) {
    const dash = line.indexOf(" - ");
    if (dash <= 0) continue;
    const pre = line.slice(0, dash);
    const post = line.slice(dash + 3);
    const fstype = field(post, 0);
    const mountpoint = unescape(field(pre, 4));
    if (fstype === "cgroup2") hierarchies.push({ key: "", version: 2, mountpoint, current: current.get("") ?? "/" });
    if (fstype !== "cgroup") continue;
    const superOpts = field(post, 2);
    for (const [key, path] of current) {
      if (key === "" || !mountedWith(key, superOpts)) continue;
      hierarchies.push({ key, version: 1, mountpoint, current: path });
      break;
    }
  }
  let v1 = false;
  let v2 = false;
  for (const h of hierarchies) {
    if (h.version === 1) v1 = true;
    else v2 = true;
  }
  return { mode: v1 && v2 ? "hybrid" : v1 ? "v1" : "v2", hierarchies };
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
