// The OCI runtime-spec config.json (Linux), typed and checked field by field.
// Any 1.x ociVersion is accepted; unknown fields are ignored as the spec asks.
import { invalid } from "../common/errors.ts";
import { describeJsonProblem, parseJsonText } from "../common/json-text.ts";
import { Checker } from "./check.ts";

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids: number[];
  username?: string;
}
export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}
export interface Capabilities {
  bounding: string[];
  effective: string[];
  inheritable: string[];
  permitted: string[];
  ambient: string[];
}
export interface Process {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits: Rlimit[];
  noNewPrivileges: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
  oomScoreAdj?: number;
}
export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options: string[];
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}
export interface Namespace {
  type: string;
  path?: string;
}
export interface Device {
  type: string;
  path: string;
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}
export interface Hook {
  /** Absolute (the runtime-spec's MUST). */
  path: string;
  args: string[];
  env: string[];
  /** No env in the config: the hook has the runtime's environment (runc's, as Go's exec gives it). */
  inheritEnv?: boolean;
  timeout?: number;
}
export interface Linux {
  namespaces: Namespace[];
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  devices: Device[];
  cgroupsPath?: string;
  resources?: Record<string, unknown>;
  rootfsPropagation?: string;
  maskedPaths: string[];
  readonlyPaths: string[];
  sysctl: Record<string, string>;
  seccomp?: Record<string, unknown>;
  personality?: { domain: string; flags: string[] };
  mountLabel?: string;
}
export interface RuntimeConfig {
  ociVersion: string;
  process?: Process;
  root?: { path: string; readonly: boolean };
  hostname?: string;
  domainname?: string;
  mounts: Mount[];
  hooks: Partial<Record<HookKind, Hook[]>>;
  annotations: Record<string, string>;
  linux: Linux;
}
export const HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

const U32 = 2 ** 32 - 1;
/** The largest uid or gid a process may be given: 4294967295 is (uid_t)-1, which setresuid and
 *  setresgid read as "leave unchanged" (a container asking for it would run as root); runc refuses
 *  everything from 2^31 up. */
export const MAX_ID = 2 ** 31 - 1;
/** Seconds: a timer of more (about 24.8 days) does not fit a JavaScript timer, which would then
 * fire at once; the executor's own field is 32 bits. */
const MAX_HOOK_TIMEOUT = Math.floor((2 ** 31 - 1) / 1000);

export function parseRuntimeConfig(text: string, where = "config.json"): RuntimeConfig {
  // runc reads what its caller wrote, of any size; the depth bound keeps a hostile file from
  // overflowing the stack of whatever walks the value
  const parsed = parseJsonText(text, { maxBytes: 256 << 20, maxDepth: 64 });
  if (!parsed.ok) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `parse ${where}: ${describeJsonProblem(parsed.problem)}`, `${where} must be valid JSON (runtime-spec config)`);
  return checkRuntimeConfig(parsed.value, where);
}

export function checkRuntimeConfig(raw: unknown, where = "config.json"): RuntimeConfig {
  const c = new Checker("runtime", "RUNTIME_CONFIG_INVALID", where);
  const o = c.obj(raw, "config");
  const ociVersion = c.str(o.ociVersion, "ociVersion");
  if (!/^1\.\d+\.\d+/.test(ociVersion)) c.fail("ociVersion", "a 1.x version", ociVersion);
  const idMaps = (v: unknown, p: string) =>
    c.arr(v, p, (x, q) => {
      const m = c.obj(x, q);
      return { containerID: c.int(m.containerID, `${q}.containerID`, 0, U32), hostID: c.int(m.hostID, `${q}.hostID`, 0, U32), size: c.int(m.size, `${q}.size`, 1, U32) };
    });
  const root = c.optObj(o.root, "root");
  const linux = c.optObj(o.linux, "linux") ?? {};
  const hooksRaw = c.optObj(o.hooks, "hooks") ?? {};
  const hooks: RuntimeConfig["hooks"] = {};
  for (const kind of HOOK_KINDS) {
    if (hooksRaw[kind] === undefined) continue;
    hooks[kind] = c.arr(hooksRaw[kind], `hooks.${kind}`, (x, p) => {
      const h = c.obj(x, p);
      const path = c.str(h.path, `${p}.path`);
      if (!path.startsWith("/")) c.fail(`${p}.path`, "an absolute path (the runtime-spec's rule for hooks)", path);
      return {
        path, args: c.strs(h.args, `${p}.args`), env: c.strs(h.env, `${p}.env`), timeout: c.optInt(h.timeout, `${p}.timeout`, 1, MAX_HOOK_TIMEOUT),
        ...(h.env === undefined || h.env === null ? { inheritEnv: true } : {}),
      };
    });
  }
  const personality = c.optObj(linux.personality, "linux.personality");
  return {
    ociVersion,
    process: o.process === undefined ? undefined : checkProcess(c, o.process, "process"),
    root: root && { path: c.str(root.path, "root.path"), readonly: c.bool(root.readonly, "root.readonly") ?? false },
    hostname: c.optStr(o.hostname, "hostname"),
    domainname: c.optStr(o.domainname, "domainname"),
    mounts: c.arr(o.mounts, "mounts", (x, p) => {
      const m = c.obj(x, p);
      return {
        destination: c.str(m.destination, `${p}.destination`),
        type: c.optStr(m.type, `${p}.type`),
        source: c.optStr(m.source, `${p}.source`),
        options: c.strs(m.options, `${p}.options`),
        uidMappings: idMaps(m.uidMappings, `${p}.uidMappings`),
        gidMappings: idMaps(m.gidMappings, `${p}.gidMappings`),
      };
    }),
    hooks,
    annotations: c.strMap(o.annotations, "annotations"),
    linux: {
      namespaces: c.arr(linux.namespaces, "linux.namespaces", (x, p) => {
        const n = c.obj(x, p);
        return { type: c.str(n.type, `${p}.type`), path: c.optStr(n.path, `${p}.path`) || undefined };
      }),
      uidMappings: idMaps(linux.uidMappings, "linux.uidMappings"),
      gidMappings: idMaps(linux.gidMappings, "linux.gidMappings"),
      devices: c.arr(linux.devices, "linux.devices", (x, p) => {
        const d = c.obj(x, p);
        const type = c.str(d.type, `${p}.type`);
        return {
          type,
          path: c.str(d.path, `${p}.path`),
          major: c.optInt(d.major, `${p}.major`, 0, U32) ?? 0,
          minor: c.optInt(d.minor, `${p}.minor`, 0, U32) ?? 0,
          fileMode: deviceMode(c, d.fileMode, `${p}.fileMode`, type),
          uid: c.optInt(d.uid, `${p}.uid`, 0, U32),
          gid: c.optInt(d.gid, `${p}.gid`, 0, U32),
        };
      }),
      cgroupsPath: c.optStr(linux.cgroupsPath, "linux.cgroupsPath"),
      resources: c.optObj(linux.resources, "linux.resources"),
      rootfsPropagation: c.optStr(linux.rootfsPropagation, "linux.rootfsPropagation") || undefined,
      maskedPaths: c.strs(linux.maskedPaths, "linux.maskedPaths"),
      readonlyPaths: c.strs(linux.readonlyPaths, "linux.readonlyPaths"),
      sysctl: c.strMap(linux.sysctl, "linux.sysctl"),
      seccomp: c.optObj(linux.seccomp, "linux.seccomp"),
      personality: personality && { domain: c.str(personality.domain, "linux.personality.domain"), flags: c.strs(personality.flags, "linux.personality.flags") },
      mountLabel: c.optStr(linux.mountLabel, "linux.mountLabel") || undefined,
    },
  };
}

/** The S_IFMT bits of each device type. */
const DEVICE_FORMAT: Record<string, number> = { c: 0o020000, u: 0o020000, b: 0o060000, p: 0o010000 };

/**
 * A device's permission bits. Tools write fileMode as st_mode, file type included (podman's
 * --device and --privileged: 8630 = S_IFCHR | 0666), and runc takes it so: the type's bits are
 * allowed when they are this device's type, and dropped (the type is the `type` field's).
 */
function deviceMode(c: Checker, v: unknown, where: string, type: string): number | undefined {
  const mode = c.optInt(v, where, 0, 0o177777);
  if (mode === undefined) return undefined;
  const format = mode & 0o170000;
  if (format !== 0 && format !== DEVICE_FORMAT[type]) c.fail(where, `permission bits (at most 0o7777), or with the file type bits of a "${type}" device`, mode);
  return mode & 0o7777;
}

/** NAME=VALUE entries: one without "=" is refused, as runc's init refuses it. */
function envOf(c: Checker, v: unknown, where: string): string[] {
  const env = c.strs(v, where);
  env.forEach((e, i) => e.includes("=") || c.fail(`${where}[${i}]`, "NAME=VALUE", e));
  return env;
}

export function checkProcess(c: Checker, v: unknown, where: string): Process {
  const p = c.obj(v, where);
  const user = c.optObj(p.user, `${where}.user`) ?? {};
  const caps = c.optObj(p.capabilities, `${where}.capabilities`);
  const size = c.optObj(p.consoleSize, `${where}.consoleSize`);
  const args = c.strs(p.args, `${where}.args`);
  if (args.length === 0) c.fail(`${where}.args`, "a non-empty array", p.args);
  const cwd = c.str(p.cwd ?? "/", `${where}.cwd`);
  if (!cwd.startsWith("/")) c.fail(`${where}.cwd`, "an absolute path", cwd);
  return {
    terminal: c.bool(p.terminal, `${where}.terminal`) ?? false,
    consoleSize: size && { height: c.int(size.height, `${where}.consoleSize.height`, 0, 65535), width: c.int(size.width, `${where}.consoleSize.width`, 0, 65535) },
    user: {
      uid: c.optInt(user.uid, `${where}.user.uid`, 0, MAX_ID) ?? 0,
      gid: c.optInt(user.gid, `${where}.user.gid`, 0, MAX_ID) ?? 0,
      umask: c.optInt(user.umask, `${where}.user.umask`, 0, 0o777),
      additionalGids: c.arr(user.additionalGids, `${where}.user.additionalGids`, (x, q) => c.int(x, q, 0, MAX_ID)),
      username: c.optStr(user.username, `${where}.user.username`),
    },
    args,
    env: envOf(c, p.env, `${where}.env`),
    cwd,
    capabilities: caps && {
      bounding: c.strs(caps.bounding, `${where}.capabilities.bounding`),
      effective: c.strs(caps.effective, `${where}.capabilities.effective`),
      inheritable: c.strs(caps.inheritable, `${where}.capabilities.inheritable`),
      permitted: c.strs(caps.permitted, `${where}.capabilities.permitted`),
      ambient: c.strs(caps.ambient, `${where}.capabilities.ambient`),
    },
    rlimits: c.arr(p.rlimits, `${where}.rlimits`, (x, q) => {
      const r = c.obj(x, q);
      return { type: c.str(r.type, `${q}.type`), soft: c.int(r.soft, `${q}.soft`, 0, 2 ** 64), hard: c.int(r.hard, `${q}.hard`, 0, 2 ** 64) };
    }),
    noNewPrivileges: c.bool(p.noNewPrivileges, `${where}.noNewPrivileges`) ?? false,
    apparmorProfile: c.optStr(p.apparmorProfile, `${where}.apparmorProfile`) || undefined,
    selinuxLabel: c.optStr(p.selinuxLabel, `${where}.selinuxLabel`) || undefined,
    oomScoreAdj: c.optInt(p.oomScoreAdj, `${where}.oomScoreAdj`, -1000, 1000),
  };
}
