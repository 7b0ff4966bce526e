// `docker import --change` instructions applied to an image config's "config" object, as dockerd
// applies them (builder/dockerfile BuildFromConfig): the changes are joined by newlines and read as
// a Dockerfile (line continuations with "\", comment lines), each instruction split as buildkit's
// parser splits it, then dispatched with the Dockerfile's rules. The instructions docker allows in
// a commit or import: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER,
// VOLUME and WORKDIR. Pure.
//
// As docker does:
// - ENV and LABEL take `k=v ...` (quotes and backslashes as the shell has them: `LABEL "a b"=c`)
//   or the legacy `k v`; their keys and values, and the words of EXPOSE, USER, VOLUME, WORKDIR and
//   STOPSIGNAL, expand $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word} (and the forms without ":") from
//   the ENV set so far (shell-words.ts).
// - CMD, ENTRYPOINT and HEALTHCHECK CMD take a JSON array of strings, else the rest of the line is
//   a shell command (["/bin/sh", "-c", line]): `CMD ["x` is shell form, not an error. An
//   ENTRYPOINT resets a Cmd that no CMD of the same changes set.
// - EXPOSE takes PORT[/PROTO] or FROM-TO[/PROTO] (each port of a range is exposed), protocol tcp
//   (the default), udp or sctp, ports 0-65535.
// - WORKDIR joins a relative path to the previous WorkingDir (or /), and cleans it.
// - STOPSIGNAL takes a signal name, with or without SIG, or number (SIGTERM, TERM, 15, SIGRTMIN+3);
//   it is stored as given.
// - ONBUILD stores its trigger instruction as written; ONBUILD ONBUILD, FROM and MAINTAINER
//   are refused.
// Where skiff is stricter than docker: a CMD with no argument (docker stores a bare `/bin/sh -c`),
// an ONBUILD trigger that is no Dockerfile instruction, a signal number above 64, and flags on
// HEALTHCHECK NONE are refused. Maps (Labels, ExposedPorts, Volumes) are written with sorted keys,
// as Go writes them.
import { posix } from "node:path";
import { invalid } from "../../common/errors.ts";
import { envMap, expand, lex, ShellWordError } from "./shell-words.ts";

export interface HealthConfig {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export type DockerConfigObject = Record<string, unknown> & {
  Env?: string[];
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  OnBuild?: string[];
  Healthcheck?: HealthConfig;
  WorkingDir?: string;
};

/** What docker's commit and import allow (validCommitCommands). */
const ALLOWED = ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"];
/** Every Dockerfile instruction (for ONBUILD's trigger). */
const INSTRUCTIONS = new Set([...ALLOWED, "ADD", "ARG", "COPY", "FROM", "MAINTAINER", "RUN", "SHELL"]);
const ALLOWED_TEXT = `${ALLOWED.slice(0, -1).join(", ")} or ${ALLOWED.at(-1)}`;

const HINTS = {
  general: `a change is one Dockerfile instruction: ${ALLOWED_TEXT} (e.g. -c 'ENV PATH=/bin' -c 'CMD ["sh"]')`,
  kv: `give KEY=VALUE pairs, quoted as in a Dockerfile: -c 'ENV PATH=/usr/bin:/bin' -c 'LABEL "my key"="my value" other=1'`,
  expose: "give ports as PORT[/PROTO] or FROM-TO[/PROTO], PROTO tcp, udp or sctp: -c 'EXPOSE 80 443/tcp 53/udp 8000-8010'",
  signal: "give a signal name or number, as `kill -l` lists them: STOPSIGNAL SIGTERM, STOPSIGNAL TERM, STOPSIGNAL 15, STOPSIGNAL SIGRTMIN+3",
  healthcheck: "e.g. -c 'HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD [\"/bin/check\"]', or -c 'HEALTHCHECK NONE'",
  onbuild: "give the instruction to run when the image is built on: -c 'ONBUILD RUN make'",
  cmd: `give a command: -c 'CMD ["sh"]' (JSON array) or -c 'CMD echo hi' (run by /bin/sh -c); -c 'CMD []' for none`,
};

class ChangeError extends Error {
  constructor(
    message: string,
    readonly hint: string = HINTS.general,
  ) {
    super(message);
  }
}

function fail(why: string, hint?: string): never {
  throw new ChangeError(why, hint);
}

/** Applies `changes` to a copy of `base`; ENGINE_IMPORT_CHANGE_INVALID names the instruction that failed and why. */
export function applyChanges(base: DockerConfigObject, changes: readonly string[]): DockerConfigObject {
  const c: DockerConfigObject = structuredClone(base);
  const state = { cmdSet: false };
  const lines = logicalLines(changes);
  if (lines.length === 0 && changes.some((ch) => ch.trim() !== ""))
    throw invalid("engine", "ENGINE_IMPORT_CHANGE_INVALID", `apply change ${quote(changes.join("\n"))}: it holds no instruction (only comments)`, HINTS.general);
  for (const line of lines) {
    try {
      dispatch(c, line, state);
    } catch (e) {
      if (!(e instanceof ChangeError) && !(e instanceof ShellWordError)) throw e;
      throw invalid("engine", "ENGINE_IMPORT_CHANGE_INVALID", `apply change ${quote(line)}: ${e.message}`, e instanceof ChangeError ? e.hint : HINTS.general);
    }
  }
  for (const k of ["Labels", "ExposedPorts", "Volumes"] as const) {
    const m = c[k] as Record<string, unknown> | undefined;
    if (m) c[k] = Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as never;
  }
  return c;
}

/** A change as its errors show it: quoted, and cut after 200 characters. */
const quote = (change: string) => JSON.stringify(change.length > 200 ? `${change.slice(0, 200)}…` : change);

// ---- the Dockerfile's lines ----

const CONTINUATION = /\\[ \t]*$/;
const isComment = (l: string) => /^#/.test(l.trimStart());

/** The instructions of the changes joined by newlines: continuation lines joined, comment and blank lines dropped. */
export function logicalLines(changes: readonly string[]): string[] {
  const raw = changes.join("\n").split("\n").map((l) => l.replace(/\r$/, ""));
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (isComment(raw[i]!)) continue;
    let line = raw[i]!.trimStart();
    let more = CONTINUATION.test(line);
    line = line.replace(CONTINUATION, "");
    if (!more && line.trim() === "") continue;
    while (more && i + 1 < raw.length) {
      const next = raw[++i]!;
      if (isComment(next) || next.trim() === "") continue; // as docker: comments and empty lines inside a continuation are skipped
      more = CONTINUATION.test(next);
      line += next.replace(CONTINUATION, "");
    }
    if (line.trim() !== "") out.push(line);
  }
  return out;
}

// ---- the instructions ----

const WS = /[\t\v\f\r ]+/;

function dispatch(c: DockerConfigObject, line: string, state: { cmdSet: boolean }): void {
  const m = /^(\S+)(?:[\t\v\f\r ]+([\s\S]*))?$/.exec(line.trim());
  const word = m?.[1] ?? "";
  const name = word.toUpperCase();
  if (!ALLOWED.includes(name)) fail(`${JSON.stringify(word)} is not allowed in a change`);
  const { flags, rest } = builderFlags(m?.[2] ?? "");
  if (flags.length && name !== "HEALTHCHECK") fail(`${name} takes no flag --${flags[0]!.split("=")[0]}`);
  const env = envMap(c.Env);
  const one = (what: string) => {
    if (rest === "") fail(`${what} requires exactly one argument`);
    return expand(rest, env);
  };
  switch (name) {
    case "CMD": {
      const cmd = commandLine(rest);
      if (!cmd) fail("CMD requires an argument", HINTS.cmd);
      c.Cmd = cmd;
      if (cmd!.length) state.cmdSet = true;
      break;
    }
    case "ENTRYPOINT": {
      const ep = commandLine(rest);
      c.Entrypoint = ep?.length ? ep : null;
      if (!state.cmdSet && c.Cmd !== undefined) c.Cmd = null;
      break;
    }
    case "ENV": {
      // every pair is expanded with the ENV before this instruction: `ENV a=1 b=$a` leaves b empty, as in docker
      const list = [...(c.Env ?? [])];
      for (const [k, v] of keyValues(rest, name, env)) {
        const at = list.findIndex((e) => e.split("=")[0] === k);
        if (at >= 0) list[at] = `${k}=${v}`;
        else list.push(`${k}=${v}`);
      }
      c.Env = list;
      break;
    }
    case "LABEL":
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of keyValues(rest, name, env)) define(c.Labels, k, v);
      break;
    case "EXPOSE": {
      if (rest === "") fail("EXPOSE requires at least one argument", HINTS.expose);
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const w of rest.split(WS)) for (const spec of lex(w, env, true)) for (const p of ports(spec)) c.ExposedPorts[p] = {};
      break;
    }
    case "VOLUME": {
      const list = (jsonArray(rest) ?? (rest === "" ? [] : rest.split(WS))).map((v) => expand(v, env));
      if (list.length === 0) fail("VOLUME requires at least one argument");
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of list) {
        if (v.trim() === "") fail("VOLUME specified can not be an empty string");
        define(c.Volumes, v.trim(), {});
      }
      break;
    }
    case "USER":
      c.User = one("USER");
      break;
    case "WORKDIR": {
      const dir = one("WORKDIR");
      if (dir === "") fail("WORKDIR is empty once its variables are expanded");
      c.WorkingDir = clean(dir.startsWith("/") ? dir : posix.join("/", c.WorkingDir ?? "", dir));
      break;
    }
    case "STOPSIGNAL": {
      const sig = one("STOPSIGNAL");
      if (!isSignal(sig)) fail(`invalid signal ${JSON.stringify(sig)}`, HINTS.signal);
      c.StopSignal = sig;
      break;
    }
    case "HEALTHCHECK":
      c.Healthcheck = healthcheck(rest, flags);
      break;
    case "ONBUILD": {
      if (rest === "") fail("ONBUILD requires at least one argument", HINTS.onbuild);
      const trigger = rest.split(WS)[0]!.toUpperCase();
      if (trigger === "ONBUILD") fail("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", HINTS.onbuild);
      if (trigger === "FROM" || trigger === "MAINTAINER") fail(`${trigger} isn't allowed as an ONBUILD trigger`, HINTS.onbuild);
      if (!INSTRUCTIONS.has(trigger)) fail(`unknown instruction ${JSON.stringify(rest.split(WS)[0])} after ONBUILD`, HINTS.onbuild);
      c.OnBuild = [...(c.OnBuild ?? []), line.replace(/^\s*ONBUILD\s*/i, "")];
      break;
    }
  }
}

/** map[key] = value as data, whatever the key: assigned, "__proto__" would set the prototype and vanish. */
function define<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Leading `--name[=value]` words, as docker's builder reads them; `--` ends them. */
function builderFlags(args: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = args.trim();
  for (let m = /^--(\S*)(?:[\t\v\f\r ]+|$)/.exec(rest); m; m = /^--(\S*)(?:[\t\v\f\r ]+|$)/.exec(rest)) {
    rest = rest.slice(m[0].length);
    if (m[1] === "") break;
    flags.push(m[1]!);
  }
  return { flags, rest };
}

/** A JSON array of strings; undefined when `rest` is no JSON array; an array of anything else is an error. */
function jsonArray(rest: string): string[] | undefined {
  if (!rest.trimStart().startsWith("[")) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(rest);
  } catch {
    return undefined; // not JSON: the words are taken as they are
  }
  if (!Array.isArray(v)) return undefined;
  if (!v.every((x) => typeof x === "string")) fail("when using JSON array syntax, arrays must be comprised of strings only");
  return v as string[];
}

/** CMD and ENTRYPOINT: JSON form, else shell form; undefined when there is nothing. */
function commandLine(rest: string): string[] | undefined {
  const json = jsonArray(rest);
  if (json) return json;
  return rest === "" ? undefined : ["/bin/sh", "-c", rest];
}

function keyValues(rest: string, name: string, env: Map<string, string>): [string, string][] {
  const words = splitWords(rest);
  if (words.length === 0) fail(`${name} requires at least one argument`, HINTS.kv);
  let raw: [string, string][];
  if (!words[0]!.includes("=")) {
    // the legacy form, KEY the value
    const m = /^(\S+)[\t\v\f\r ]+([\s\S]*)$/.exec(rest);
    if (!m) fail(`${name} must have two arguments: KEY=VALUE, or KEY VALUE`, HINTS.kv);
    raw = [[m![1]!, m![2]!]];
  } else {
    raw = words.map((w) => {
      const eq = w.indexOf("=");
      if (eq < 0) fail(`can't find = in ${JSON.stringify(w)}: it must be of the form name=value`, HINTS.kv);
      return [w.slice(0, eq), w.slice(eq + 1)];
    });
  }
  return raw.map(([k, v]) => {
    if (k === "") fail(`${name} names can not be blank`, HINTS.kv);
    const key = expand(k, env);
    if (key === "") fail(`${name} names can not be blank`, HINTS.kv);
    return [key, expand(v, env)];
  });
}

/** Space-separated words; quotes and escapes are kept (expand() removes them), as buildkit's parseWords. */
function splitWords(rest: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote = "";
  const chars = [...rest];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (quote) {
      if (ch === quote) quote = "";
      else if (ch === "\\" && quote === '"') {
        if (i + 1 < chars.length) cur += ch + chars[++i]!;
        continue;
      }
      cur += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "\\") {
      if (i + 1 === chars.length) continue;
      cur += ch;
      cur += chars[++i]!;
      continue;
    }
    cur += ch;
  }
  if (inWord) words.push(cur);
  return words;
}

// ---- values ----

/** "80", "80/udp", "8000-8010/tcp", "[IP:[HOST:]]PORT[/PROTO]" → "80/tcp" … (nat.ParsePortSpecs). */
function ports(spec: string): string[] {
  const slash = spec.lastIndexOf("/");
  const proto = (slash < 0 ? "tcp" : spec.slice(slash + 1)).toLowerCase();
  const rawPort = slash < 0 ? spec : spec.slice(0, slash);
  if (!["tcp", "udp", "sctp"].includes(proto)) fail(`invalid protocol ${JSON.stringify(proto)} in ${JSON.stringify(spec)}`, HINTS.expose);
  const port = rawPort.slice(rawPort.lastIndexOf(":") + 1);
  if (port === "") fail(`no port in ${JSON.stringify(spec)}`, HINTS.expose);
  const m = /^(\d+)(?:-(\d+))?$/.exec(port);
  const from = m ? Number(m[1]) : NaN;
  const to = m?.[2] !== undefined ? Number(m[2]) : from;
  if (!m || from > 65535 || to > 65535) fail(`invalid port ${JSON.stringify(port)}: a port is a number from 0 to 65535`, HINTS.expose);
  if (to < from) fail(`invalid port range ${JSON.stringify(port)}: it ends before it starts`, HINTS.expose);
  const out: string[] = [];
  for (let p = from; p <= to; p++) out.push(`${p}/${proto}`);
  return out;
}

/** filepath.Clean for an absolute path: no ".", "..", double or trailing slashes. */
const clean = (p: string) => posix.normalize(p).replace(/(.)\/+$/, "$1");

const SIGNALS = new Set([
  "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT",
  "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** As moby's signal.ParseSignal on Linux: a number (1-64 here), or a name with or without SIG, any case. */
function isSignal(s: string): boolean {
  if (/^[+-]?\d+$/.test(s)) return Number(s) >= 1 && Number(s) <= 64;
  return SIGNALS.has(s.toUpperCase().replace(/^SIG/, ""));
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration ("30s", "1m30s", "1.5h", "0") in nanoseconds. */
function duration(flag: string, v: string): number {
  if (v === "0") return 0;
  const re = /(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(v); m && m[1] !== "" && m[1] !== "."; m = re.exec(v)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (v === "" || at !== v.length) fail(`--${flag}=${v}: not a duration`, "give a duration such as 30s, 1m30s or 500ms");
  // Go's time.Duration is an int64 of nanoseconds (about 292 years)
  if (total >= 2 ** 63) fail(`--${flag}=${v}: invalid duration (longer than 2562047h)`, "give a duration such as 30s, 1m30s or 500ms");
  if (total !== 0 && total < 1e6) fail(`--${flag}=${v}: cannot be less than 1ms`, HINTS.healthcheck);
  return Math.round(total);
}

function healthcheck(rest: string, flags: string[]): HealthConfig {
  const m = /^(\S+)[\t\v\f\r ]*([\s\S]*)$/.exec(rest);
  if (!m) fail("HEALTHCHECK requires at least one argument", HINTS.healthcheck);
  const type = m![1]!.toUpperCase();
  const args = m![2]!;
  if (type === "NONE") {
    if (args !== "") fail("HEALTHCHECK NONE takes no arguments", HINTS.healthcheck);
    if (flags.length) fail("HEALTHCHECK NONE takes no flags", HINTS.healthcheck);
    return { Test: ["NONE"] };
  }
  if (type !== "CMD") fail(`unknown type ${JSON.stringify(m![1])} in HEALTHCHECK (try CMD)`, HINTS.healthcheck);
  const h: HealthConfig = { Test: [] };
  const seen = new Set<string>();
  for (const f of flags) {
    const eq = f.indexOf("=");
    const name = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? undefined : f.slice(eq + 1);
    if (seen.has(name)) fail(`duplicate flag --${name}`, HINTS.healthcheck);
    seen.add(name);
    const key = { interval: "Interval", timeout: "Timeout", "start-period": "StartPeriod", "start-interval": "StartInterval", retries: "Retries" }[name] as keyof HealthConfig | undefined;
    if (!key) fail(`unknown flag --${name} (HEALTHCHECK takes --interval, --timeout, --start-period, --start-interval and --retries)`, HINTS.healthcheck);
    if (value === undefined) fail(`missing a value on flag --${name}`, HINTS.healthcheck);
    if (key === "Retries") {
      if (!/^[+-]?\d+$/.test(value!) || Math.abs(Number(value)) > 2 ** 31 - 1) fail(`--retries=${value}: not a number`, HINTS.healthcheck);
      if (Number(value) < 0) fail(`--retries cannot be negative (${Number(value)})`, HINTS.healthcheck);
      if (Number(value)) h.Retries = Number(value);
    } else {
      const ns = duration(name, value!);
      if (ns) h[key] = ns as never;
    }
  }
  const json = jsonArray(args);
  const cmd = json ? ["CMD", ...json] : args === "" ? [] : ["CMD-SHELL", args];
  if (cmd.length <= 1) fail("missing command after HEALTHCHECK CMD", HINTS.healthcheck);
  return { ...h, Test: cmd };
}
