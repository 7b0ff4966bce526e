// docker's seccomp profile format → the OCI `linux.seccomp` a container gets. docker's format adds
// to the OCI one: `archMap` (the architectures to filter for each host architecture), `name` for
// a single syscall, and rules that apply only `includes` {caps, arches, minKernel} all hold and
// no `excludes` holds. A plain OCI object passes through the same reading. Capabilities are the
// container's bounding set, arches Go's names ("amd64"), as dockerd resolves them.
import { describeJsonProblem, parseJsonText } from "../../../common/json-text.ts";
import { invalid, SkiffError } from "../../../common/errors.ts";
import { Checker } from "../../../oci/check.ts";
import { readSeccompProfile } from "../../../runtime/seccomp/index.ts";

export interface ProfileArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
export interface ProfileFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}
export interface ProfileRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: ProfileArg[];
  includes?: ProfileFilter;
  excludes?: ProfileFilter;
}
export interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: ProfileRule[];
}

/** What the rules are resolved against. */
export interface ProfileContext {
  /** The container's bounding capabilities ("CAP_SYS_ADMIN"). */
  caps: readonly string[];
  /** Go's name of the host architecture. */
  arch: string;
  /** The host kernel's release ("6.18.0"); rules with a higher minKernel are left out. */
  kernel: string;
}

/** Go architecture names → the seccomp architecture of an archMap entry. */
const SECCOMP_ARCH: Record<string, string> = {
  amd64: "SCMP_ARCH_X86_64", "386": "SCMP_ARCH_X86", arm64: "SCMP_ARCH_AARCH64", arm: "SCMP_ARCH_ARM",
  mips64: "SCMP_ARCH_MIPS64", mips64le: "SCMP_ARCH_MIPSEL64", mips: "SCMP_ARCH_MIPS", mipsle: "SCMP_ARCH_MIPSEL",
  ppc64le: "SCMP_ARCH_PPC64LE", ppc64: "SCMP_ARCH_PPC64", s390x: "SCMP_ARCH_S390X", s390: "SCMP_ARCH_S390", riscv64: "SCMP_ARCH_RISCV64",
};

/** Reads a profile file's text (docker's format or OCI's) into a DockerProfile. */
export function parseProfile(text: string, where = "--security-opt seccomp"): DockerProfile {
  const parsed = parseJsonText(text, { maxBytes: 4 << 20, maxDepth: 16 });
  if (!parsed.ok) throw invalid("engine", "ENGINE_SECCOMP_INVALID", `read ${where}: ${describeJsonProblem(parsed.problem)}`, "give a seccomp profile in JSON (docker's format or OCI linux.seccomp)");
  const c = new Checker("engine", "ENGINE_SECCOMP_INVALID", where);
  const o = c.obj(parsed.value, "profile");
  const optNum = (v: unknown, p: string) => (v === undefined || v === null ? undefined : c.int(v, p, 0, 2 ** 64));
  const filter = (v: unknown, p: string): ProfileFilter | undefined => {
    const f = c.optObj(v, p);
    if (!f) return undefined;
    return { caps: f.caps == null ? undefined : c.strs(f.caps, `${p}.caps`), arches: f.arches == null ? undefined : c.strs(f.arches, `${p}.arches`), minKernel: c.optStr(f.minKernel, `${p}.minKernel`) || undefined };
  };
  const archMap = o.archMap == null ? undefined : c.arr(o.archMap, "archMap", (x, p) => {
    const a = c.obj(x, p);
    return { architecture: c.str(a.architecture, `${p}.architecture`), subArchitectures: a.subArchitectures == null ? [] : c.strs(a.subArchitectures, `${p}.subArchitectures`) };
  });
  const architectures = o.architectures == null ? undefined : c.strs(o.architectures, "architectures");
  if (archMap?.length && architectures?.length) c.fail("architectures", "empty when archMap is given (one or the other)", architectures);
  return {
    defaultAction: c.str(o.defaultAction, "defaultAction"),
    defaultErrnoRet: optNum(o.defaultErrnoRet, "defaultErrnoRet"),
    architectures,
    archMap,
    flags: o.flags == null ? undefined : c.strs(o.flags, "flags"),
    listenerPath: c.optStr(o.listenerPath, "listenerPath"),
    listenerMetadata: c.optStr(o.listenerMetadata, "listenerMetadata"),
    syscalls: o.syscalls == null ? [] : c.arr(o.syscalls, "syscalls", (x, p) => {
      const r = c.obj(x, p);
      const names = r.names == null ? [] : c.strs(r.names, `${p}.names`);
      const name = c.optStr(r.name, `${p}.name`);
      if (name) names.unshift(name);
      if (names.length === 0) c.fail(`${p}.names`, "a non-empty list of syscall names", r.names);
      return {
        names,
        action: c.str(r.action, `${p}.action`),
        errnoRet: optNum(r.errnoRet, `${p}.errnoRet`),
        args: r.args == null ? undefined : c.arr(r.args, `${p}.args`, (y, q) => {
          const a = c.obj(y, q);
          return { index: c.int(a.index, `${q}.index`, 0, 5), value: c.int(a.value, `${q}.value`, 0, 2 ** 64), valueTwo: optNum(a.valueTwo, `${q}.valueTwo`), op: c.str(a.op, `${q}.op`) };
        }),
        includes: filter(r.includes, `${p}.includes`),
        excludes: filter(r.excludes, `${p}.excludes`),
      };
    }),
  };
}

/** "6.18.0-1-amd64" ≥ "4.8"? Compares major.minor only, as dockerd does. */
export function kernelAtLeast(release: string, min: string): boolean {
  const parse = (s: string) => (/^(\d+)\.(\d+)/.exec(s) ?? [, "0", "0"]).slice(1, 3).map(Number) as [number, number];
  const [a, b] = parse(release);
  const [x, y] = parse(min);
  return a > x || (a === x && b >= y);
}

function applies(r: ProfileRule, ctx: ProfileContext): boolean {
  const inc = r.includes ?? {};
  const exc = r.excludes ?? {};
  if (inc.arches?.length && !inc.arches.includes(ctx.arch)) return false;
  if (inc.caps?.length && !inc.caps.every((cap) => ctx.caps.includes(cap))) return false;
  if (inc.minKernel && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false;
  if (exc.arches?.length && exc.arches.includes(ctx.arch)) return false;
  if (exc.caps?.length && exc.caps.some((cap) => ctx.caps.includes(cap))) return false;
  if (exc.minKernel && kernelAtLeast(ctx.kernel, exc.minKernel)) return false;
  return true;
}

/** The OCI `linux.seccomp` for a container; checked as the runtime will read it. */
export function resolveProfile(p: DockerProfile, ctx: ProfileContext): Record<string, unknown> {
  let architectures = p.architectures ?? [];
  if (p.archMap?.length) {
    const entry = p.archMap.find((a) => a.architecture === SECCOMP_ARCH[ctx.arch]);
    architectures = entry ? [entry.architecture, ...entry.subArchitectures] : [];
  }
  const out: Record<string, unknown> = { defaultAction: p.defaultAction };
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet;
  out.architectures = architectures;
  if (p.flags?.length) out.flags = [...p.flags];
  if (p.listenerPath) out.listenerPath = p.listenerPath;
  if (p.listenerMetadata) out.listenerMetadata = p.listenerMetadata;
  out.syscalls = p.syscalls.filter((r) => applies(r, ctx)).map((r) => {
    const rule: Record<string, unknown> = { names: [...r.names], action: r.action };
    if (r.errnoRet !== undefined) rule.errnoRet = r.errnoRet;
    if (r.args?.length) rule.args = r.args.map((a) => ({ ...a }));
    return rule;
  });
  try {
    readSeccompProfile(out, "the seccomp profile");
  } catch (e) {
    const message = (e as Error).message;
    throw new SkiffError({ layer: "engine", code: "ENGINE_SECCOMP_INVALID", kind: "invalid_argument", message, hint: "fix the profile given with --security-opt seccomp=FILE", cause: e });
  }
  return out;
}
