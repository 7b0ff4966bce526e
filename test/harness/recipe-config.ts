// A Recipe (config-gen.ts) made into a config.json: runc's default spec changed as the recipe
// says, with the paths the runner made (rootfs, namespace holders, hook log) filled in.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOOK_KINDS, NS_TYPES, RLIM_INFINITY, type NsType, type Recipe, type SeccompRecipe } from "./config-gen.ts";
import { REPO, type Config } from "./oci.ts";

/** What the runner made for this config: the places the recipe's paths point at. */
export interface RecipeContext {
  rootfs: string;
  /** /proc/PID/ns/TYPE of the process holding the namespaces to join. */
  nsPath(type: NsType): string;
  /** The hook program (outside the container) and where it appends (a host path; inside the
   * container the same directory is bound at /hooklog). */
  hookProgram: string;
  hookLog: string;
  cgroupsPath: string;
  args: string[];
}

const PROC_NS: Record<NsType, string> = { pid: "pid", network: "net", ipc: "ipc", uts: "uts", mount: "mnt", cgroup: "cgroup", user: "user", time: "time" };
export const procNsName = (type: NsType) => PROC_NS[type];

const fixture = (name: string) => JSON.parse(readFileSync(join(REPO, "src/runtime/seccomp/fixtures", name), "utf8"));

export function seccompProfile(s: SeccompRecipe): Record<string, any> {
  let profile: Record<string, any>;
  if (s.base === "deny-list") profile = { defaultAction: "SCMP_ACT_ALLOW", syscalls: s.names.length ? [{ names: s.names, action: "SCMP_ACT_ERRNO" }] : [] };
  else {
    profile = fixture(s.base === "docker-default" ? "docker-default-amd64.json" : `${s.base}.json`);
    for (const rule of profile.syscalls) if (rule.action === "SCMP_ACT_ALLOW") rule.names = rule.names.filter((n: string) => !s.names.includes(n));
    profile.syscalls = profile.syscalls.filter((rule: { names: string[] }) => rule.names.length);
    if (s.defaultErrnoRet !== undefined) profile.defaultErrnoRet = s.defaultErrnoRet;
  }
  if (s.flags?.length) profile.flags = s.flags;
  return profile;
}

/** `spec` (runc's default) changed as the recipe says. */
export function applyRecipe(spec: Config, r: Recipe, ctx: RecipeContext): Config {
  const c = structuredClone(spec) as Config;
  const p = c.process;
  p.terminal = false;
  p.args = ctx.args;
  c.root = { path: ctx.rootfs, readonly: r.readonlyRoot };
  c.linux.cgroupsPath = ctx.cgroupsPath;
  c.mounts.push(
    { destination: "/probe", type: "bind", source: join(REPO, "test/fixtures"), options: ["rbind", "ro"] },
    { destination: "/hooklog", type: "bind", source: join(ctx.hookLog, ".."), options: ["rbind", "rw"] },
  );
  c.linux.namespaces = NS_TYPES.filter((t) => r.namespaces[t] !== "absent").map((type) => (r.namespaces[type] === "joined" ? { type, path: ctx.nsPath(type) } : { type }));
  // runc 1.1 wants the maps of a joined user namespace too: the holder's (root only)
  if (r.namespaces.user === "new") c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: r.idMapHost, size: 65536 }];
  if (r.namespaces.user === "joined") {
    c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
    // gid 5 is not mapped there: devpts without it, as runc's rootless spec writes it
    const devpts = c.mounts.find((m: { type: string }) => m.type === "devpts");
    devpts.options = devpts.options.filter((o: string) => o !== "gid=5");
  }
  if (r.rootfsPropagation) c.linux.rootfsPropagation = r.rootfsPropagation;
  p.user = r.user;
  p.cwd = r.cwd;
  p.env = [...p.env.filter((e: string) => !(r.dropTerm && e.startsWith("TERM="))), ...r.env];
  set(p, "noNewPrivileges", r.noNewPrivileges);
  set(p, "capabilities", r.capabilities);
  set(p, "rlimits", r.rlimits);
  set(p, "oomScoreAdj", r.oomScoreAdj);
  set(c, "hostname", r.hostname);
  set(c, "domainname", r.domainname);
  for (const key of ["maskedPaths", "readonlyPaths"] as const) {
    const list = r[key];
    if (list) c.linux[key] = list.flatMap((path) => (path === "<spec>" ? spec.linux[key] : [path]));
  }
  if (r.devices.length) c.linux.devices = r.devices;
  const resources: Record<string, unknown> = { ...r.resources };
  if (r.deviceRules !== null) resources.devices = r.deviceRules ?? spec.linux.resources.devices;
  c.linux.resources = resources;
  if (Object.keys(r.sysctl).length) c.linux.sysctl = r.sysctl;
  if (r.seccomp) c.linux.seccomp = seccompProfile(r.seccomp);
  const hooks: Record<string, unknown[]> = {};
  for (const kind of HOOK_KINDS) {
    const list = r.hooks[kind];
    if (!list) continue;
    // startContainer runs in the container: its program and log are the container's paths
    const inside = kind === "startContainer";
    hooks[kind] = list.map((h, i) => ({
      path: inside ? "/probe/hook-log.sh" : ctx.hookProgram,
      args: ["hook-log.sh", inside ? "/hooklog/log" : ctx.hookLog, `${kind}.${i}`, h.fail ? "fail" : "ok"],
      env: ["HOOK_ENV=set"],
    }));
  }
  if (Object.keys(hooks).length) c.hooks = hooks;
  return c;
}

/** config.json's text. Go tools write RLIM_INFINITY as the full uint64, which a JSON number
 * cannot hold, so it is put into the text as digits. */
export const configText = (c: Config) => JSON.stringify(c, null, 2).replaceAll(`"${RLIM_INFINITY}"`, "18446744073709551615");

function set(o: Record<string, unknown>, key: string, value: unknown): void {
  if (value === null) delete o[key];
  else if (value !== undefined) o[key] = value;
}

/** The paths the probe reports on: the masked and read-only ones, and each sysctl's file. */
export function probePaths(r: Recipe): string[] {
  const lists = [r.maskedPaths ?? ["<spec>"], r.readonlyPaths ?? ["<spec>"]].flat();
  const paths = lists.flatMap((p) => (p === "<spec>" ? [] : [p]));
  const base = ["/proc/kcore", "/proc/keys", "/proc/sys", "/proc/sysrq-trigger", "/sys/firmware"];
  const sysctls = Object.keys(r.sysctl).map((k) => `/proc/sys/${k.replaceAll(".", "/")}`);
  return [...new Set([...base, ...paths, ...sysctls])];
}
