// How the image store reads the names it is given: image ids (full or short, with or without
// "sha256:") and stored references, with the lenient forms its results use.
import { familiarName, formatReference, parseReference } from "../../oci/image/reference.ts";

export const FULL_ID = /^(?:sha256:)?([0-9a-f]{64})$/;
export const SHORT_ID = /^(?:sha256:)?([0-9a-f]{4,63})$/;

/** The repository of a stored reference ("docker.io/library/busybox:1" → "docker.io/library/busybox"). */
export const repoOfName = (full: string): string => full.replace(/@.*$/, "").replace(/:[^:/]+$/, "");

export function formatReferenceSafe(s: string): string {
  try {
    return formatReference(parseReference(s));
  } catch {
    return "";
  }
}

export function familiarNameSafe(full: string): string {
  try {
    return familiarName(full);
  } catch {
    return full;
  }
}
