// OCI content descriptors: what a manifest or index says about a blob it points to.
import { isFetchableUrl } from "../../common/url-hop.ts";
import type { Checker } from "../check.ts";
import { parseDigest, type Digest } from "./digest.ts";
import type { Platform } from "./platform.ts";

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

/** Reads one descriptor; a bad field fails through the checker with its path ("layers[2].size"). */
export function checkDescriptor(c: Checker, v: unknown, path: string): Descriptor {
  const o = c.obj(v, path);
  const mediaType = c.str(o.mediaType, `${path}.mediaType`);
  const digest = c.str(o.digest, `${path}.digest`);
  try {
    parseDigest(digest);
  } catch {
    c.fail(`${path}.digest`, "a digest like sha256:<64 hex>", digest);
  }
  const d: Descriptor = { mediaType, digest: digest as Digest, size: c.int(o.size, `${path}.size`, 0) };
  if (o.urls !== undefined && o.urls !== null) {
    d.urls = c.strs(o.urls, `${path}.urls`);
    // a foreign layer's URLs are for http(s) fetches only (image spec: SHOULD); a file: URL is an attack
    d.urls.forEach((u, i) => isFetchableUrl(u) || c.fail(`${path}.urls[${i}]`, "an http or https URL", u));
  }
  if (o.annotations !== undefined && o.annotations !== null) d.annotations = c.strMap(o.annotations, `${path}.annotations`);
  if (o.artifactType !== undefined && o.artifactType !== null) d.artifactType = c.str(o.artifactType, `${path}.artifactType`);
  const p = c.optObj(o.platform, `${path}.platform`);
  if (p) {
    const os = c.str(p.os, `${path}.platform.os`);
    const architecture = c.str(p.architecture, `${path}.platform.architecture`);
    // Kept as written (for re-serialising); matching normalises both sides.
    d.platform = { os, architecture };
    const variant = c.optStr(p.variant, `${path}.platform.variant`);
    if (variant) d.platform.variant = variant;
    const osVersion = c.optStr(p["os.version"], `${path}.platform.os.version`);
    if (osVersion) d.platform.osVersion = osVersion;
    if (p["os.features"] !== undefined && p["os.features"] !== null) d.platform.osFeatures = c.strs(p["os.features"], `${path}.platform.os.features`);
  }
  return d;
}
