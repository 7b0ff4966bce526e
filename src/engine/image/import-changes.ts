// `docker import --change` instructions applied to an image config's "config" object: CMD,
// ENTRYPOINT (JSON or shell form), ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL, as
// docker's builder parses them for import. Pure.
import { invalid } from "../../common/errors.ts";

export type DockerConfigObject = Record<string, unknown> & { Env?: string[]; Labels?: Record<string, string>; ExposedPorts?: Record<string, object>; Volumes?: Record<string, object> };

const bad = (change: string, why: string) =>
  invalid("engine", "ENGINE_IMPORT_CHANGE_INVALID", `apply change ${JSON.stringify(change)}: ${why}`, "use CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME or STOPSIGNAL");

/** JSON array form, else shell form ("sh -c …" wrapped in /bin/sh -c as docker does). */
function command(arg: string, change: string): string[] {
  if (arg.trimStart().startsWith("[")) {
    try {
      const v = JSON.parse(arg) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
    } catch {
      // falls through to the error
    }
    throw bad(change, "not a JSON array of strings");
  }
  return ["/bin/sh", "-c", arg];
}

/** "a=1 b=2" or the legacy "a 1" form. */
function pairs(arg: string): [string, string][] {
  if (!/^[^\s=]+=/.test(arg)) {
    const m = /^(\S+)\s+(.*)$/.exec(arg);
    return m ? [[m[1]!, m[2]!]] : [];
  }
  const out: [string, string][] = [];
  for (const m of arg.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) out.push([m[1]!, m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!]);
  return out;
}

export function applyChanges(base: DockerConfigObject, changes: readonly string[]): DockerConfigObject {
  const c: DockerConfigObject = structuredClone(base);
  for (const change of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*?)\s*$/.exec(change);
    if (!m) throw bad(change, "expected INSTRUCTION arguments");
    const [, word, arg] = m as unknown as [string, string, string];
    switch (word.toUpperCase()) {
      case "CMD": c.Cmd = command(arg, change); break;
      case "ENTRYPOINT": c.Entrypoint = command(arg, change); break;
      case "WORKDIR": c.WorkingDir = arg; break;
      case "USER": c.User = arg; break;
      case "STOPSIGNAL": c.StopSignal = arg; break;
      case "ENV": {
        const env = new Map((c.Env ?? []).map((e) => [e.split("=")[0]!, e]));
        for (const [k, v] of pairs(arg)) env.set(k, `${k}=${v}`);
        c.Env = [...env.values()];
        break;
      }
      case "LABEL": c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs(arg)) }; break;
      case "EXPOSE": {
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of arg.split(/\s+/)) c.ExposedPorts[p.includes("/") ? p : `${p}/tcp`] = {};
        break;
      }
      case "VOLUME": {
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of arg.startsWith("[") ? command(arg, change) : arg.split(/\s+/)) c.Volumes[v] = {};
        break;
      }
      default: throw bad(change, `${JSON.stringify(word)} is not allowed in a change`);
    }
  }
  return c;
}
