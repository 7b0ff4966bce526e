// Names from a layer's tar turned into paths relative to the snapshot root, or refused.
// Refused: absolute names and any ".." component (a layer has no business naming either), NUL bytes
// (IMAGE_LAYER_UNSAFE_PATH); a component longer than Linux's NAME_MAX (IMAGE_LAYER_INVALID: no
// file system here could hold it). "./a//b/" becomes "a/b"; "./" and "." become "" (the root itself).
import { SkiffError } from "../../common/errors.ts";

/** Linux's NAME_MAX: the bytes of one path component. */
const NAME_MAX = 255;

/** A name from a layer as its errors quote it: JSON-quoted (control characters escaped), cut after 200 characters. */
export const quoted = (name: string): string => JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);

export function cleanEntryPath(name: string, what = "entry"): string {
  const refuse = (why: string, code = "IMAGE_LAYER_UNSAFE_PATH"): never => {
    throw new SkiffError({
      layer: "image",
      code,
      kind: "invalid_argument",
      message: `unpack layer: ${what} ${quoted(name)} ${why}`,
      hint: code === "IMAGE_LAYER_UNSAFE_PATH" ? "the layer tries to write outside its directory; it is refused and nothing is committed" : "the layer names a file no Linux file system can hold; it is refused and nothing is committed",
      details: { entry: name },
    });
  };
  if (name.includes("\0")) refuse("contains a NUL byte");
  if (name.startsWith("/")) refuse("is an absolute path");
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") refuse('contains ".."');
    if (Buffer.byteLength(p) > NAME_MAX) refuse(`has a component of ${Buffer.byteLength(p)} bytes, more than the ${NAME_MAX} a file name may have`, "IMAGE_LAYER_INVALID");
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
