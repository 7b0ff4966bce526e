// Image config → the parts of a runtime spec the engine takes from an image: process args, env,
// cwd, user (names resolved through the image's /etc/passwd and /etc/group), and the container
// metadata (exposed ports, volumes, stop signal, labels). Pure: files come through `readFile`
// (ImageStore.fileReader reads the merged snapshot view, whiteouts honoured).
import { invalid } from "../../common/errors.ts";
import type { ContainerDefaults } from "../../oci/image/image-config.ts";
import { MAX_ID } from "../../oci/runtime-config.ts";

export interface SpecOverrides {
  /** `docker run IMAGE ARGS…`: replaces Cmd. */
  cmd?: string[];
  /** `--entrypoint`: replaces Entrypoint (and drops the image's Cmd unless cmd is given). */
  entrypoint?: string[];
  /** Added after the image's Env; a name set here wins. */
  env?: string[];
  workingDir?: string;
  /** "name", "uid", "name:group", "uid:gid". */
  user?: string;
}

export interface ImageProcessSpec {
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[]; name?: string; home?: string };
  exposedPorts: string[];
  volumes: string[];
  stopSignal: string;
  labels: Record<string, string>;
}

export type FileReader = (path: string) => Uint8Array | string | undefined;

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function specFromImage(config: ContainerDefaults, readFile: FileReader, o: SpecOverrides = {}): ImageProcessSpec {
  const entrypoint = o.entrypoint ?? config.Entrypoint ?? [];
  const cmd = o.cmd ?? (o.entrypoint ? [] : config.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw invalid("engine", "ENGINE_NO_COMMAND", "create container: the image has no Entrypoint or Cmd and none was given", "give a command after the image name");
  const user = resolveUser(o.user ?? config.User ?? "", readFile);
  const env = mergeEnv(config.Env, o.env ?? []);
  if (!env.some((e) => e.startsWith("PATH="))) env.unshift(DEFAULT_PATH);
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home ?? "/"}`);
  return {
    args,
    env,
    cwd: o.workingDir || config.WorkingDir || "/",
    user,
    exposedPorts: config.ExposedPorts,
    volumes: config.Volumes,
    stopSignal: config.StopSignal ?? "SIGTERM",
    labels: config.Labels,
  };
}

/** Later entries replace earlier ones of the same name; order of first appearance is kept. A name
 *  without "=" removes the variable, as the Docker API says of Env (the runtime refuses one). */
export function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...over]) {
    const eq = e.indexOf("=");
    if (eq < 0) out.delete(e);
    else out.set(e.slice(0, eq), e);
  }
  return [...out.values()];
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const text = (f: Uint8Array | string | undefined) => (f === undefined ? "" : typeof f === "string" ? f : new TextDecoder().decode(f));
const rows = (s: string) => s.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));

/** The image's (or container's) /etc/group. */
const groupEntries = (readFile: FileReader): GroupEntry[] =>
  rows(text(readFile("/etc/group"))).filter((r) => r.length >= 3).map((r) => ({ name: r[0]!, gid: Number(r[2]), members: (r[3] ?? "").split(",").filter(Boolean) }));

/** `--group-add`: each a gid, or a group's name looked up in /etc/group (dockerd's words when none;
 *  a gid the file gives out of a process's range is none either). */
export function resolveGroups(names: readonly string[], readFile: FileReader): number[] {
  if (!names.length) return [];
  const groups = groupEntries(readFile);
  return names.map((n) => {
    if (/^\d+$/.test(n) && Number(n) <= MAX_ID) return Number(n);
    const g = groups.find((x) => x.name === n);
    if (!g || !Number.isInteger(g.gid) || g.gid < 0 || g.gid > MAX_ID) throw invalid("engine", "ENGINE_GROUP_NOT_FOUND", `Unable to find group ${n}: no matching entries in group file`, "give a gid, or a group the image's /etc/group names", { field: "--group-add" });
    return g.gid;
  });
}

/** Resolves docker's User field as runc/docker do (libcontainer/user.GetExecUser). */
export function resolveUser(spec: string, readFile: FileReader): ImageProcessSpec["user"] {
  const passwd: PasswdEntry[] = rows(text(readFile("/etc/passwd"))).filter((r) => r.length >= 6).map((r) => ({ name: r[0]!, uid: Number(r[2]), gid: Number(r[3]), home: r[5]! }));
  const groups = groupEntries(readFile);
  const [u = "", g] = spec.split(":", 2);
  const numeric = (s: string) => /^\d+$/.test(s);
  // (runc's range: the runtime's refusal named the container's config.json, a file the user never wrote)
  for (const id of [u, g ?? ""]) if (numeric(id) && Number(id) > MAX_ID) throw invalid("engine", "ENGINE_USER_INVALID", `unable to set up user ${JSON.stringify(spec)}: uids and gids must be in range 0-${MAX_ID}`, "give -u a uid and gid from 0 to 2147483647, or names from the image");
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (u === "") entry = passwd.find((p) => p.uid === 0);
  else if (numeric(u)) {
    uid = Number(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw invalid("engine", "ENGINE_USER_NOT_FOUND", `resolve user ${JSON.stringify(u)}: no matching entry in the image's /etc/passwd`, "use a numeric uid or add the user to the image");
  }
  if (entry) uid = entry.uid;
  let gid = entry?.gid ?? 0;
  if (g !== undefined && g !== "") {
    if (numeric(g)) gid = Number(g);
    else {
      const grp = groups.find((x) => x.name === g);
      if (!grp) throw invalid("engine", "ENGINE_GROUP_NOT_FOUND", `resolve group ${JSON.stringify(g)}: no matching entry in the image's /etc/group`, "use a numeric gid or add the group to the image");
      gid = grp.gid;
    }
  }
  // Supplementary groups come from /etc/group membership only when the group was not given explicitly.
  const additionalGids = entry && (g === undefined || g === "") ? groups.filter((x) => x.members.includes(entry!.name) && x.gid !== gid).map((x) => x.gid) : [];
  return { uid, gid, additionalGids, ...(entry ? { name: entry.name, home: entry.home } : {}) };
}
