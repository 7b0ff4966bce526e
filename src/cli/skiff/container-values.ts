// The values of container flags read as docker's CLI reads them (docker/cli's opts and go-units):
// sizes ("64m", "1.5g"), CPUs ("1.5", "3/2" → NanoCpus), ulimits ("nofile=1024:2048"), devices
// ("/dev/x:/dev/y:rwm"), volumes ("/host:/ctr:ro"), environment and label lists, env files,
// security options (a seccomp profile's file read and compacted) and integers. Each refusal is a
// CLI_FLAG_VALUE_INVALID error with docker's own words ("invalid argument "64x" for "-m, --memory"
// flag: invalid suffix: 'x'") and a hint, raised before any request is made. Pure, apart from the
// files (env files, seccomp profiles) and the environment (-e NAME) they name.
import { nodeFs, nodePath } from "../../common/lazy-node.ts";
import { invalid, type SkiffError } from "../../common/errors.ts";
import type { DeviceMapping, Ulimit } from "../../api/client-containers.ts";

/** docker's wording for a value its flag package refused. */
export const badValue = (value: string, flag: string, why: string, hint: string): SkiffError =>
  invalid("cli", "CLI_FLAG_VALUE_INVALID", `invalid argument ${JSON.stringify(value)} for "${flag}" flag: ${why}`, hint);

/** An error of docker's parse step (after the flags were read): its message as docker words it. */
export const badOption = (message: string, hint: string): SkiffError => invalid("cli", "CLI_FLAG_VALUE_INVALID", message, hint);

/** Go's strconv.ParseFloat for decimal text (no hex floats): a number, or its error message. */
function goParseFloat(s: string): number | string {
  if (/^[+-]?(inf|infinity|nan)$/i.test(s)) return s.toLowerCase().includes("nan") ? NaN : s.startsWith("-") ? -Infinity : Infinity;
  if (!/^[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || s.includes("_")) return `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`;
  return Number(s);
}

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "64m" → 67108864; a number, or why not (docker's words). */
export function ramInBytes(s: string): number | string {
  let sep = -1;
  for (let i = s.length - 1; i >= 0; i--) if ("0123456789. ".includes(s[i]!)) {
    sep = i;
    break;
  }
  if (sep < 0) return `invalid size: '${s}'`;
  const num = s[sep] === " " ? s.slice(0, sep) : s.slice(0, sep + 1);
  const sfx = s.slice(sep + 1).toLowerCase();
  const size = goParseFloat(num);
  if (typeof size === "string") return size;
  if (size < 0) return `invalid size: '${s}'`;
  if (!sfx) return Math.trunc(size);
  const mul = BINARY[sfx[0]!];
  if (sfx.length > 3 || (sfx[0] === "b" && sfx.length > 1) || (sfx[0] !== "b" && !mul) || (sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib"))
    return `invalid suffix: '${sfx}'`;
  return Math.trunc(sfx[0] === "b" ? size : size * mul!);
}

const SIZE_HINT = "a size is a number with an optional unit b, k, m, g, t or p (e.g. 64m, 1.5g)";

/** A MemBytes flag's value (--memory, --shm-size …). */
export function memBytes(value: string, flag: string): number {
  const n = ramInBytes(value);
  if (typeof n === "string") throw badValue(value, flag, n, SIZE_HINT);
  return n;
}

/** --memory-swap: a size, or -1 for unlimited swap. */
export const memSwapBytes = (value: string, flag: string): number => (value === "-1" ? -1 : memBytes(value, flag));

/** --cpus as a big.Rat times 1e9: "1.5" → 1500000000; "3/2" and "1e-3" too; finer than a nanosecond is refused. */
export function nanoCpus(value: string, flag = "--cpus"): number {
  const hint = "give the number of CPUs as a decimal (e.g. 1.5) or a fraction (e.g. 3/2), to at most 9 decimal places";
  const r = parseRational(value);
  if (!r) throw badValue(value, flag, `failed to parse ${value} as a rational number`, hint);
  const [num, den] = [r[0] * 10n ** 9n, r[1]];
  if (num % den !== 0n) throw badValue(value, flag, "value is too precise", hint);
  return Number(num / den);
}

/** big.Rat's SetString: "a/b" or a decimal with an optional exponent, as [numerator, denominator > 0]. */
function parseRational(s: string): [bigint, bigint] | undefined {
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(s);
  if (frac) return BigInt(frac[2]!) === 0n ? undefined : [BigInt(frac[1]!), BigInt(frac[2]!)];
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!dec || (!dec[2] && !dec[3]) || Math.abs(Number(dec[4] ?? 0)) > 10_000) return undefined;
  const digits = BigInt(`${dec[2] || "0"}${dec[3] ?? ""}`) * (dec[1] === "-" ? -1n : 1n);
  const exp = Number(dec[4] ?? 0) - (dec[3]?.length ?? 0);
  return exp >= 0 ? [digits * 10n ** BigInt(exp), 1n] : [digits, 10n ** BigInt(-exp)];
}

/** Go's strconv.ParseInt(s, 10, 64) as docker's int flags read it; the error in Go's words. */
export function int64(value: string, flag: string): number {
  const hint = `${flag.replace(/^-\w, /, "")} takes a whole number`;
  if (!/^[+-]?\d+$/.test(value)) throw badValue(value, flag, `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`, hint);
  const n = BigInt(value);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw badValue(value, flag, `strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`, hint);
  return Number(n);
}

const ULIMITS = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"];

/** go-units ParseUlimit: NAME=SOFT[:HARD] (HARD defaults to SOFT; -1 is unlimited). */
export function ulimit(value: string): Ulimit {
  const flag = "--ulimit";
  const hint = `NAME=SOFT[:HARD] with NAME one of ${ULIMITS.join(", ")} (e.g. nofile=1024:2048)`;
  const eq = value.indexOf("=");
  if (eq < 0) throw badValue(value, flag, `invalid ulimit argument: ${value}`, hint);
  const name = value.slice(0, eq);
  if (!ULIMITS.includes(name)) throw badValue(value, flag, `invalid ulimit type: ${name}`, hint);
  const parts = value.slice(eq + 1).split(":");
  if (parts.length > 2) throw badValue(value, flag, `too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``, hint);
  const num = (s: string) => {
    try {
      return int64(s, flag);
    } catch {
      throw badValue(value, flag, `strconv.ParseInt: parsing ${JSON.stringify(s)}: ${/^[+-]?\d+$/.test(s) ? "value out of range" : "invalid syntax"}`, hint);
    }
  };
  const hard = parts.length === 2 ? num(parts[1]!) : undefined;
  const soft = num(parts[0]!);
  const h = hard ?? soft;
  if (h !== -1 && soft > h) throw badValue(value, flag, `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`, hint);
  return { Name: name, Hard: h, Soft: soft };
}

/** Go's path.Clean: normalized, without a trailing slash (but "/"). */
export const cleanPath = (p: string): string => {
  const n = nodePath().posix.normalize(p);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
};

const validDeviceMode = (mode: string) => mode !== "" && [...mode].every((c, i) => "rwm".includes(c) && mode.indexOf(c) === i);

/** --device HOST[:CONTAINER][:PERMISSIONS], checked and read as docker's validateDevice then parseDevice do. */
export function device(value: string): DeviceMapping {
  const hint = "--device HOST_PATH[:CONTAINER_PATH][:PERMISSIONS], both paths absolute, PERMISSIONS of r, w and m (e.g. /dev/fuse, /dev/sda:/dev/xvda:rwm)";
  const fail = (why: string) => badOption(why, hint);
  const split = value.split(":");
  if (split.length > 3 || split[0] === "") throw fail(`bad format for path: ${value}`);
  // validateDevice: the path in the container must be absolute; it cleans the path it checked
  let checked: string;
  let normalized: string;
  if (split.length === 1) [checked, normalized] = [split[0]!, cleanPath(split[0]!)];
  else if (split.length === 2) {
    checked = validDeviceMode(split[1]!) ? split[0]! : split[1]!;
    normalized = validDeviceMode(split[1]!) ? `${cleanPath(split[0]!)}:${split[1]}` : `${split[0]}:${cleanPath(split[1]!)}`;
  } else {
    if (!validDeviceMode(split[2]!)) throw fail(`bad mode specified: ${split[2]}`);
    [checked, normalized] = [split[1]!, value];
  }
  if (!checked.startsWith("/")) throw fail(`${checked} is not an absolute path`);
  // parseDevice, of what validateDevice returned
  const arr = normalized.split(":");
  let mode = arr.length === 3 ? arr[2]! : "rwm";
  let dst = "";
  if (arr.length >= 2) {
    if (validDeviceMode(arr[1]!)) mode = arr[1]!;
    else dst = arr[1]!;
  }
  return { PathOnHost: arr[0]!, PathInContainer: dst || arr[0]!, CgroupPermissions: mode };
}

/** -v SPEC split as docker's volume spec parser does: a source (bind or named volume) or none (anonymous). */
export function volumeSpec(spec: string): { source: string; target: string } {
  const hint = "-v [HOST_PATH_OR_VOLUME:]CONTAINER_PATH[:OPTIONS], OPTIONS like ro or rw (e.g. -v /srv/data:/data:ro)";
  const fail = (why: string) => badOption(`invalid spec: ${spec}: ${why}`, hint);
  if (spec.length === 0) throw badOption("invalid empty volume spec", hint);
  if (spec.length <= 2) return { source: "", target: spec };
  const fields: string[] = [];
  let buf = "";
  for (const ch of [...spec, "\0"]) {
    // "c:" after one letter is a Windows drive, part of the field
    if (ch === ":" && buf.length === 1 && /\p{L}/u.test(buf)) buf += ch;
    else if (ch === ":" || ch === "\0") {
      if (!buf) throw fail("empty section between colons");
      if (fields.length === 2 && ch === ":") throw fail("too many colons");
      fields.push(buf);
      buf = "";
    } else buf += ch;
  }
  return fields.length === 1 ? { source: "", target: fields[0]! } : { source: fields[0]!, target: fields[1]! };
}

/** opts.ValidateEnv: NAME=VALUE as is; NAME alone takes the value from our environment when it has one. */
export function envValue(value: string, env: Record<string, string | undefined> = process.env): string {
  const eq = value.indexOf("=");
  const name = eq < 0 ? value : value.slice(0, eq);
  if (!name) throw badValue(value, "-e, --env", `invalid environment variable: ${value}`, "-e NAME=VALUE, or -e NAME to pass NAME's value from this shell");
  if (eq >= 0) return value;
  return Object.hasOwn(env, name) && env[name] !== undefined ? `${name}=${env[name]}` : value;
}

/**
 * An env or label file as docker 28 reads it (moby's kvfile): lines of NAME=VALUE (the value as
 * written), blank and # lines skipped, leading whitespace and a UTF-8 BOM dropped; a NAME alone
 * takes its value from our environment (env files) or is left out (label files, or not set).
 */
export function keyValueFile(path: string, kind: "env" | "label", env: Record<string, string | undefined> = process.env): string[] {
  const fileError = (why: string) => badOption(`invalid ${kind} file (${path}): ${why}`, `each line of ${path} is NAME=VALUE${kind === "env" ? " or NAME (its value from this shell)" : ""}; # starts a comment`);
  let text: Buffer;
  try {
    text = nodeFs().readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw badOption(`open ${path}: ${code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : String(code)}`, `check the path given to --${kind}-file`);
  }
  const lines: string[] = [];
  const raw = text.toString("latin1").split("\n");
  for (let i = 0; i < raw.length; i++) {
    let bytes = Buffer.from(raw[i]!.replace(/\r$/, ""), "latin1");
    if (i === raw.length - 1 && !bytes.length) break;
    if (i === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    let line: string;
    try {
      line = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\s+/u, "");
    } catch {
      throw fileError(`invalid utf8 bytes at line ${i + 1}`);
    }
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const name = eq < 0 ? line : line.slice(0, eq);
    if (/\s/u.test(name)) throw fileError(`variable '${name}' contains whitespaces`);
    if (!name) throw fileError(`no variable name on line '${line}'`);
    if (eq >= 0) lines.push(`${name}=${line.slice(eq + 1)}`);
    else if (kind === "env" && Object.hasOwn(env, name) && env[name] !== undefined) lines.push(`${name}=${env[name]}`);
  }
  return lines;
}

/** An environment list as docker 28 sends it: one entry per name, the last value given winning. */
export function dedupeEnv(list: string[]): string[] {
  const byName = new Map<string, string>();
  for (const e of list) {
    const eq = e.indexOf("=");
    byName.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  return [...byName.values()];
}

/** opts.ValidateLabel: the name before "=" may not be empty. */
export function labelValue(value: string): string {
  const name = value.split("=", 1)[0]!.trim();
  if (!name) throw badValue(value, "-l, --label", `invalid label '${value}': empty name`, "--label NAME=VALUE (or NAME for an empty value)");
  return value;
}

/** KEY=VALUE strings as a map (the value "" when there is no "="), later ones winning. */
export function keyValueMap(list: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf("=");
    Object.defineProperty(map, eq < 0 ? kv : kv.slice(0, eq), { value: eq < 0 ? "" : kv.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return map;
}

/** --security-opt values as docker's CLI sends them: seccomp=FILE becomes seccomp=<the profile, compacted>. */
export function securityOpts(values: string[]): string[] {
  return values.map((opt) => {
    let [k, v, ok] = cut(opt, "=");
    if (!ok && k !== "no-new-privileges") [k, v, ok] = cut(opt, ":");
    if ((!ok || v === "") && k !== "no-new-privileges")
      throw badOption(`Invalid --security-opt: ${JSON.stringify(opt)}`, "e.g. --security-opt no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json, apparmor=PROFILE, label=disable");
    if (k !== "seccomp" || v === "unconfined" || v === "builtin") return opt;
    let text: string;
    try {
      text = nodeFs().readFileSync(v, "utf8");
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw badOption(`opening seccomp profile (${v}) failed: open ${v}: ${code === "ENOENT" ? "no such file or directory" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String(code)}`, "give the path of a seccomp profile (JSON), or seccomp=unconfined");
    }
    try {
      JSON.parse(text);
    } catch (e) {
      throw badOption(`compacting json for seccomp profile (${v}) failed: ${(e as Error).message.replace(/^JSON Parse error: /, "")}`, "the profile must be JSON (docker's seccomp profile format)");
    }
    return `seccomp=${compactJson(text)}`;
  });
}

const cut = (s: string, sep: string): [string, string, boolean] => {
  const at = s.indexOf(sep);
  return at < 0 ? [s, "", false] : [s.slice(0, at), s.slice(at + sep.length), true];
};

/** Go's json.Compact: the text without insignificant whitespace, every token as written. */
export function compactJson(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === "\\") out += text[++i] ?? "";
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (!" \t\r\n".includes(ch)) out += ch;
  }
  return out;
}
