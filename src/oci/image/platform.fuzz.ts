// Properties of platforms (platform.ts) for fast-check: a short seeded run in platform.test.ts, a
// long one in scripts/fuzz.ts. Test code only.
//
// - anyString: parsePlatform of any string returns a platform or throws IMAGE_PLATFORM_INVALID
//   with a hint, nothing else.
// - normalForm: what parsePlatform returns is normal (normalizePlatform leaves it as it is), prints
//   as a string that parses back to it, and is the same platform as itself (samePlatform).
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { formatPlatform, normalizePlatform, parsePlatform, samePlatform, type Platform } from "./platform.ts";

const word = fc.constantFrom("linux", "Linux", "windows", "darwin", "macos", "amd64", "x86_64", "x86-64", "aarch64", "arm64", "arm", "armhf", "armel", "i386", "386", "ppc64le", "s390x", "riscv64", "v5", "v6", "v7", "v8", "8", "v8.0", "9", "v1", "1", "v3", "V2", "");
const text = fc.oneof(
  fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join("/")),
  fc.string({ maxLength: 30, unit: fc.constantFrom(..."aA9_.-/ \t\n\0é") }),
  fc.string({ maxLength: 60, unit: "binary" }),
);

function parsed(s: string): Platform | undefined {
  try {
    return parsePlatform(s);
  } catch (e) {
    if (!isSkiffError(e) || e.code !== "IMAGE_PLATFORM_INVALID" || !e.hint) throw e;
    return undefined;
  }
}

export const anyString = () => fc.property(text, (s) => void parsed(s));

export const normalForm = () =>
  fc.property(text, (s) => {
    const p = parsed(s);
    if (!p) return;
    const again = normalizePlatform(p);
    if (JSON.stringify(again) !== JSON.stringify(p)) throw new Error(`${JSON.stringify(s)}: ${JSON.stringify(p)} normalises again to ${JSON.stringify(again)}`);
    const back = parsed(formatPlatform(p));
    if (JSON.stringify(back) !== JSON.stringify(p)) throw new Error(`${JSON.stringify(s)}: ${JSON.stringify(p)} prints as ${formatPlatform(p)}, which parses to ${JSON.stringify(back)}`);
    if (!samePlatform(p, p)) throw new Error(`${JSON.stringify(p)} is not the same platform as itself`);
  });

export const PLATFORM_PROPERTIES: Record<"anyString" | "normalForm", () => fc.IRawProperty<any>> = { anyString, normalForm };
