// docker's --mount flag: a CSV of key=value fields → one of HostConfig.Mounts, as docker's CLI
// builds it (opts/mount.go): type (volume by default), source|src, target|destination|dst,
// readonly|ro, consistency, bind-propagation, bind-nonrecursive, volume-nocopy, volume-label,
// volume-driver, volume-opt, tmpfs-size, tmpfs-mode. Its words for a bad field.
import { badValue, memBytes } from "./container-values.ts";

export interface MountSpec {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

const HINT = "--mount type=volume|bind|tmpfs,source=NAME_OR_PATH,target=/PATH[,readonly][,volume-opt=K=V][,tmpfs-size=64m]";

/** Go's strconv.ParseBool. */
function goBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** Splits a CSV record as Go's encoding/csv does for one line: "a=b","c" quoting allowed. */
function csvFields(value: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i <= value.length) {
    if (value[i] === '"') {
      let field = "";
      i++;
      for (;;) {
        if (i >= value.length) return undefined;
        if (value[i] === '"') {
          if (value[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += value[i++];
      }
      if (i < value.length && value[i] !== ",") return undefined;
      out.push(field);
      i++;
    } else {
      const comma = value.indexOf(",", i);
      const end = comma < 0 ? value.length : comma;
      out.push(value.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export function parseMount(value: string): MountSpec {
  const fail = (why: string) => badValue(value, "--mount", why, HINT);
  const fields = csvFields(value);
  if (!fields) throw fail("parse error: bare \" in non-quoted-field");
  const m: MountSpec = { Type: "volume" };
  const volume = () => (m.VolumeOptions ??= {});
  const bind = () => (m.BindOptions ??= {});
  const tmpfs = () => (m.TmpfsOptions ??= {});
  const boolOf = (key: string, v: string) => {
    const b = goBool(v);
    if (b === undefined) throw fail(`invalid value for ${key}: ${v}`);
    return b;
  };
  for (const field of fields) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const v = eq < 0 ? undefined : field.slice(eq + 1);
    if (v === undefined) {
      if (key === "readonly" || key === "ro") m.ReadOnly = true;
      else if (key === "volume-nocopy") volume().NoCopy = true;
      else if (key === "bind-nonrecursive") bind().NonRecursive = true;
      else throw fail(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case "type":
        m.Type = v.toLowerCase();
        break;
      case "source":
      case "src":
        m.Source = v;
        break;
      case "target":
      case "dst":
      case "destination":
        m.Target = v;
        break;
      case "readonly":
      case "ro":
        m.ReadOnly = boolOf(key, v);
        break;
      case "consistency":
        m.Consistency = v.toLowerCase();
        break;
      case "bind-propagation":
        bind().Propagation = v.toLowerCase();
        break;
      case "bind-nonrecursive":
        bind().NonRecursive = boolOf(key, v);
        break;
      case "volume-nocopy":
        volume().NoCopy = boolOf(key, v);
        break;
      case "volume-label": {
        const [k, x = ""] = splitPair(v);
        (volume().Labels ??= {})[k] = x;
        break;
      }
      case "volume-driver":
        (volume().DriverConfig ??= {}).Name = v;
        break;
      case "volume-opt": {
        const [k, x = ""] = splitPair(v);
        ((volume().DriverConfig ??= {}).Options ??= {})[k] = x;
        break;
      }
      case "tmpfs-size":
        tmpfs().SizeBytes = memBytes(v, "--mount");
        break;
      case "tmpfs-mode": {
        if (!/^[0-7]+$/.test(v)) throw fail(`invalid value for ${key}: ${v}`);
        tmpfs().Mode = parseInt(v, 8);
        break;
      }
      default:
        throw fail(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Type) throw fail("type is required");
  if (!m.Target) throw fail("target is required");
  if (m.VolumeOptions && m.Type !== "volume") throw fail(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.BindOptions && m.Type !== "bind") throw fail(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== "tmpfs") throw fail(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}

const splitPair = (v: string): [string, string?] => {
  const eq = v.indexOf("=");
  return eq < 0 ? [v] : [v.slice(0, eq), v.slice(eq + 1)];
};
