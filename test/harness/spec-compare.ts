// Normalizes two config.json values (ours and dockerd's) as test/spec-differential.test.ts writes
// down, and lists where they still differ, one path per difference: "process.env",
// "mounts[/etc/hosts].options", "linux.seccomp.syscalls[mount]".
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

export interface Difference {
  path: string;
  ours: Json | undefined;
  theirs: Json | undefined;
}

/** Capabilities newer than Debian's dockerd 20.10 (Linux 5.8 and 5.9). */
const NEWER_CAPS = new Set(["CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]);

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T extends Json>(v: T): T => JSON.parse(JSON.stringify(v));

/** Go's omitempty: empty lists and objects (and null) go. */
function dropEmpty(v: Json): Json | undefined {
  if (Array.isArray(v)) return v.length ? v.map((x) => dropEmpty(x) ?? null) : undefined;
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const y = x === null ? undefined : dropEmpty(x);
      if (y !== undefined) out[k] = y;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

const depth = (dest: string) => dest.split("/").length;
const DEFAULT_DESTINATIONS = new Set(["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/sbin/docker-init"]);

function normalize(config: Json, side: "ours" | "theirs"): Obj {
  const c = clone(config) as Obj;
  const proc = c.process as Obj;
  const caps = proc.capabilities as Obj | undefined;
  for (const key of Object.keys(caps ?? {})) {
    const list = [...new Set(caps![key] as string[])];
    caps![key] = side === "ours" ? list.filter((x) => !NEWER_CAPS.has(x)) : list;
  }
  const user = proc.user as Obj;
  if (Array.isArray(user.additionalGids)) user.additionalGids = [...new Set(user.additionalGids as number[])].sort((a, b) => a - b);
  if (Array.isArray(proc.rlimits)) (proc.rlimits as Obj[]).sort((a, b) => String(a.type).localeCompare(String(b.type)));
  // the defaults keep their place; the user's mounts are sorted by depth, then destination
  const mounts = c.mounts as Obj[];
  const firstUser = mounts.findIndex((m) => !DEFAULT_DESTINATIONS.has(m.destination as string) || m.type === "bind" && m.destination === "/dev/shm");
  if (firstUser >= 0) {
    const user = mounts.splice(firstUser).sort((a, b) => depth(a.destination as string) - depth(b.destination as string) || String(a.destination).localeCompare(String(b.destination)));
    mounts.push(...user);
  }
  const hooks = c.hooks as Obj | undefined;
  if (hooks?.prestart) hooks.prestart = (hooks.prestart as Obj[]).filter((h) => !(h.args as string[] | undefined)?.includes("libnetwork-setkey"));
  const linux = c.linux as Obj;
  linux.namespaces = (linux.namespaces as Obj[]).filter((n) => !(n.type === "network" && n.path));
  return dropEmpty(c) as Obj;
}

/** A rule as the filter means it: one string per (action, errno, args) of a syscall name. */
function seccompByName(s: Obj): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rule of (s.syscalls as Obj[] | undefined) ?? []) {
    const args = ((rule.args as Obj[] | undefined) ?? []).map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
    const meaning = JSON.stringify({ action: rule.action, errnoRet: rule.errnoRet ?? null, args });
    for (const name of rule.names as string[]) out.set(name, [...(out.get(name) ?? []), meaning].sort());
  }
  return out;
}

function diff(path: string, a: Json | undefined, b: Json | undefined, out: Difference[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diff(path ? `${path}.${k}` : k, a[k], b[k], out);
    return;
  }
  // mounts by destination, so that one mount's difference names it
  if (path === "mounts" && Array.isArray(a) && Array.isArray(b)) {
    const dests = (l: Json[]) => l.map((m) => (m as Obj).destination);
    if (JSON.stringify(dests(a)) === JSON.stringify(dests(b))) {
      a.forEach((m, i) => diff(`mounts[${(m as Obj).destination}]`, m, b[i], out));
      return;
    }
  }
  out.push({ path, ours: a, theirs: b });
}

/**
 * Where ours and dockerd's configs differ after normalization. seccomp is compared by meaning;
 * a syscall named in `excused` may differ (its name is returned in `excused` when it did).
 */
export function specDifferences(ours: Json, theirs: Json, excused: Record<string, string>): { diffs: Difference[]; excused: string[] } {
  const a = normalize(ours, "ours");
  const b = normalize(theirs, "theirs");
  const sa = (a.linux as Obj).seccomp as Obj | undefined;
  const sb = (b.linux as Obj).seccomp as Obj | undefined;
  delete (a.linux as Obj).seccomp;
  delete (b.linux as Obj).seccomp;
  const diffs: Difference[] = [];
  diff("", a, b, diffs);
  const seen: string[] = [];
  if (sa || sb) {
    if (!sa || !sb) diffs.push({ path: "linux.seccomp", ours: sa ?? null, theirs: sb ?? null });
    else {
      const head = (s: Obj) => ({ defaultAction: s.defaultAction, defaultErrnoRet: s.defaultAction === "SCMP_ACT_ERRNO" ? (s.defaultErrnoRet ?? 1) : (s.defaultErrnoRet ?? null), architectures: s.architectures ?? [], flags: s.flags ?? [] });
      diff("linux.seccomp", head(sa) as Json, head(sb) as Json, diffs);
      const ra = seccompByName(sa);
      const rb = seccompByName(sb);
      for (const name of [...new Set([...ra.keys(), ...rb.keys()])].sort()) {
        const x = ra.get(name) ?? [];
        const y = rb.get(name) ?? [];
        if (JSON.stringify(x) === JSON.stringify(y)) continue;
        if (name in excused) seen.push(name);
        else diffs.push({ path: `linux.seccomp.syscalls[${name}]`, ours: x, theirs: y });
      }
    }
  }
  return { diffs, excused: seen };
}
