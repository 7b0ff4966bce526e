// Names from a layer's tar turned into paths relative to the snapshot root, or refused.
// Refused: absolute names and any ".." component (a layer has no business naming either), NUL bytes.
// "./a//b/" becomes "a/b"; "./" and "." become "" (the root itself).
import { SkiffError } from "../../common/errors.ts";

export function cleanEntryPath(name: string, what = "entry"): string {
  const refuse = (why: string): never => {
    throw new SkiffError({
      layer: "image",
      code: "IMAGE_LAYER_UNSAFE_PATH",
      kind: "invalid_argument",
      message: `unpack layer: ${what} ${JSON.stringify(name)} ${why}`,
      hint: "the layer tries to write outside its directory; it is refused and nothing is committed",
      details: { entry: name },
    });
  };
  if (name.includes("\0")) refuse("contains a NUL byte");
  if (name.startsWith("/")) refuse("is an absolute path");
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") refuse('contains ".."');
    parts.push(p);
  }
  return parts.join("/");
}

/** "a/b/c" → ["a", "a/b"]: the ancestors, shallowest first. */
export function ancestors(rel: string): string[] {
  const out: string[] = [];
  for (let i = rel.indexOf("/"); i > 0; i = rel.indexOf("/", i + 1)) out.push(rel.slice(0, i));
  return out;
}

export const parentOf = (rel: string): string => {
  const i = rel.lastIndexOf("/");
  return i < 0 ? "" : rel.slice(0, i);
};

export const baseOf = (rel: string): string => rel.slice(rel.lastIndexOf("/") + 1);
