// Platforms ("linux/amd64", "linux/arm64/v8") parsed and normalised as containerd does, so that
// the names users, registries and Go's GOARCH use for one machine compare equal.
import { invalid } from "../../common/errors.ts";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

const COMPONENT = /^[A-Za-z0-9_.-]+$/;

/** Parses "os[/arch[/variant]]" or a bare architecture ("arm64" means linux/arm64), normalised. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().split("/");
  const bad = (why: string): never => {
    throw invalid("image", "IMAGE_PLATFORM_INVALID", `parse platform ${JSON.stringify(spec)}: ${why}`, 'write a platform as os/arch[/variant], e.g. "linux/amd64" or "linux/arm64/v8"');
  };
  if (parts.length > 3) bad("too many components");
  for (const p of parts) if (!COMPONENT.test(p)) bad(`component ${JSON.stringify(p)} is empty or has characters other than letters, digits, "_", "." and "-"`);
  if (parts.length === 1) {
    const os = normalizeOs(parts[0]!);
    // One word is an OS if it is a known one, else an architecture of the host's OS.
    if (KNOWN_OS.has(os)) return normalizePlatform({ os, architecture: hostPlatform().architecture });
    const p = normalizePlatform({ os: hostPlatform().os, architecture: parts[0]! });
    if (KNOWN_ARCH.has(p.architecture)) return p;
    // containerd's words (docker prints them), with what it takes
    throw invalid("image", "IMAGE_PLATFORM_INVALID", `${JSON.stringify(spec)}: unknown operating system or architecture: invalid argument`, 'write a platform as os/arch[/variant], e.g. "linux/amd64" or "linux/arm64/v8", or a known OS ("linux") or architecture ("arm64") alone');
  }
  return normalizePlatform({ os: parts[0]!, architecture: parts[1]!, variant: parts[2] });
}

/** containerd's isKnownArch, which a one-word platform that is not an OS must be. */
const KNOWN_ARCH = new Set(["386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"]);

const KNOWN_OS = new Set(["linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "android", "ios", "plan9", "js", "wasip1", "dragonfly"]);

const normalizeOs = (os: string) => (os.toLowerCase() === "macos" ? "darwin" : os.toLowerCase());

/**
 * Canonical form: lowercase; i386 → 386; x86_64/x86-64 → amd64 with no variant for v1;
 * aarch64 → arm64 whose variant defaults to v8 ("8", "v8.0" → "v8"); armhf → arm/v7; armel → arm/v6;
 * arm without variant → arm/v7; bare variant numbers gain a "v".
 */
export function normalizePlatform(p: Platform): Platform {
  let arch = p.architecture.toLowerCase();
  let variant = (p.variant ?? "").toLowerCase();
  switch (arch) {
    case "i386":
    case "386":
      arch = "386";
      variant = "";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      arch = "amd64";
      if (variant === "v1" || variant === "1") variant = "";
      else if (/^\d$/.test(variant)) variant = `v${variant}`;
      break;
    case "aarch64":
    case "arm64":
      arch = "arm64";
      if (variant === "" || variant === "8" || variant === "v8" || variant === "v8.0" || variant === "8.0") variant = "v8";
      else if (variant === "9" || variant === "9.0" || variant === "v9.0") variant = "v9";
      break;
    case "armhf":
      arch = "arm";
      variant = "v7";
      break;
    case "armel":
      arch = "arm";
      variant = "v6";
      break;
    case "arm":
      if (variant === "" || variant === "7") variant = "v7";
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
  }
  const out: Platform = { os: normalizeOs(p.os), architecture: arch };
  if (variant) out.variant = variant;
  if (p.osVersion) out.osVersion = p.osVersion;
  if (p.osFeatures?.length) out.osFeatures = p.osFeatures;
  return out;
}

export const formatPlatform = (p: Platform): string => [p.os, p.architecture, p.variant].filter(Boolean).join("/");

const NODE_ARCH: Record<string, Platform> = {
  x64: { os: "linux", architecture: "amd64" },
  arm64: { os: "linux", architecture: "arm64", variant: "v8" },
  arm: { os: "linux", architecture: "arm", variant: "v7" },
  ia32: { os: "linux", architecture: "386" },
  ppc64: { os: "linux", architecture: "ppc64le" },
  s390x: { os: "linux", architecture: "s390x" },
  riscv64: { os: "linux", architecture: "riscv64" },
  loong64: { os: "linux", architecture: "loong64" },
};

/** The platform of this machine, which pulls select by default. */
export function hostPlatform(): Platform {
  const p = NODE_ARCH[process.arch] ?? { os: "linux", architecture: process.arch };
  return normalizePlatform({ ...p, os: process.platform === "linux" ? "linux" : p.os });
}

/**
 * The platforms a host can run, best first: itself, then older variants of its architecture
 * (arm/v7 runs v6 and v5 code; arm64/v8 also runs arm/v7…v5 as containerd allows;
 * amd64/v3 runs v2 and v1).
 */
export function compatiblePlatforms(host: Platform): Platform[] {
  const h = normalizePlatform(host);
  const out: Platform[] = [h];
  const older = (arch: string, from: number, to: number) => {
    for (let v = from; v >= to; v--) out.push({ os: h.os, architecture: arch, variant: `v${v}` });
  };
  const n = Number(h.variant?.slice(1));
  if (h.architecture === "arm" && n) older("arm", n - 1, 5);
  if (h.architecture === "arm64" && n === 8) older("arm", 7, 5);
  if (h.architecture === "amd64" && n > 1) {
    older("amd64", n - 1, 2);
    out.push({ os: h.os, architecture: "amd64" }); // v1 is written without a variant
  }
  return out;
}

/** True when `candidate` (from an index) is exactly `wanted` after normalisation (os.version ignored). */
export function samePlatform(candidate: Platform, wanted: Platform): boolean {
  const a = normalizePlatform(candidate);
  const b = normalizePlatform(wanted);
  return a.os === b.os && a.architecture === b.architecture && (a.variant ?? "") === (b.variant ?? "");
}
