// docker's filters of GET /images/json, applied to the summaries: reference (glob patterns on the
// familiar names, which also narrow RepoTags and RepoDigests to the matching ones; a pattern that
// names a registry host, "docker.io/library/busybox", is also matched against the fully qualified
// names), before and since (an image's creation time), until (a timestamp or a duration ago), label
// (KEY or KEY=VALUE, all of them) and dangling (true: untagged images only; false: tagged ones
// only). And those of POST /images/prune (pruneSelector): dangling, until, label and label!. An
// unknown key or a bad value is an invalid_argument error worded as docker's ("invalid filter
// 'foo'"). Pure.
import { invalid } from "../../common/errors.ts";
import { formatReference, parseReference } from "../../oci/image/reference.ts";
import { parseTimestamp } from "../../common/timestamps.ts";

export { parseTimestamp };
import type { ImageSummary } from "./service.ts";

export const IMAGE_LIST_FILTERS = ["before", "dangling", "label", "reference", "since", "until"] as const;
/** dockerd's imagesAcceptedFilters of image prune. */
export const IMAGE_PRUNE_FILTERS = ["dangling", "label", "label!", "until"] as const;

export type Filters = Record<string, string[]>;

export interface FilterContext {
  /** Creation time (unix seconds) of the image a before/since value names; throws when there is none. */
  createdOf(nameOrId: string): number;
  /** Unix seconds; the reference point of durations in until (default: now). */
  now?: number;
}

const invalidFilter = (name: string, values?: string[], accepted: readonly string[] = IMAGE_LIST_FILTERS, what = "image lists") =>
  invalid("engine", "ENGINE_FILTER_INVALID", `invalid filter '${name}${values ? `=[${values.join(" ")}]` : ""}'`, `the filters of ${what} are: ${accepted.join(", ")}`, { filter: name });

/** Throws for a key that is not a filter of image lists. */
export function validateImageFilters(filters: Filters): void {
  for (const key of Object.keys(filters)) if (!(IMAGE_LIST_FILTERS as readonly string[]).includes(key)) throw invalidFilter(key);
}

/** What POST /images/prune removes: `danglingOnly` (untagged images only) and, of those, the ones `matches` takes. */
export interface PruneSelector {
  danglingOnly: boolean;
  /** created: unix seconds (fractions kept); labels: the image config's. */
  matches(img: { created: number; labels: Record<string, string> | null }): boolean;
}

/**
 * dockerd's ImagesPrune filters: an unknown key is "invalid filter 'KEY'"; dangling is exactly
 * "true"/"1" (the default) or "false"/"0" (every unused image); until (one value: a timestamp or a
 * duration ago) keeps the images created after it; label (KEY or KEY=VALUE, all of them) keeps the
 * images that do not match; label! keeps the images that match all of its values.
 */
export function pruneSelector(filters: Filters, now = Date.now() / 1000): PruneSelector {
  for (const key of Object.keys(filters)) if (!(IMAGE_PRUNE_FILTERS as readonly string[]).includes(key)) throw invalidFilter(key, undefined, IMAGE_PRUNE_FILTERS, "image prune");
  const values = (k: string) => filters[k] ?? [];
  let danglingOnly = true;
  const dangling = values("dangling");
  if (dangling.length) {
    const yes = dangling.includes("true") || dangling.includes("1");
    const no = dangling.includes("false") || dangling.includes("0");
    // both at once (prune -a with --filter dangling=true) is a conflict, as dockerd's GetBoolOrDefault says
    if (yes && no) throw invalidFilter("dangling", dangling, IMAGE_PRUNE_FILTERS, "image prune");
    if (no) danglingOnly = false;
    else if (!dangling.includes("true") && !dangling.includes("1")) throw invalidFilter("dangling", dangling, IMAGE_PRUNE_FILTERS, "image prune");
  }
  const untils = values("until");
  if (untils.length > 1) throw invalid("engine", "ENGINE_FILTER_INVALID", "more than one until filter specified", "give one until filter", { filter: "until" });
  const until = untils.length ? parseTimestamp(untils[0]!, now) : undefined;
  const labels = values("label");
  const notLabels = values("label!");
  return {
    danglingOnly,
    matches: ({ created, labels: imageLabels }) => {
      if (until !== undefined && created > until) return false;
      if (labels.length && !labels.every((l) => matchLabel(imageLabels, l))) return false;
      if (notLabels.length && notLabels.every((l) => matchLabel(imageLabels, l))) return false;
      return true;
    },
  };
}

export function filterImages(images: ImageSummary[], filters: Filters, ctx: FilterContext): ImageSummary[] {
  validateImageFilters(filters);
  const values = (k: string) => filters[k] ?? [];
  let dangling: boolean | undefined;
  if (values("dangling").length) {
    const d = values("dangling").map((v) => v.toLowerCase());
    if (d.some((v) => !["true", "false", "1", "0"].includes(v))) throw invalidFilter("dangling", values("dangling"));
    dangling = d.includes("true") || d.includes("1");
  }
  // several before values: the earliest; several since values: the latest (as docker)
  const before = values("before").length ? Math.min(...values("before").map((n) => ctx.createdOf(n))) : undefined;
  const since = values("since").length ? Math.max(...values("since").map((n) => ctx.createdOf(n))) : undefined;
  const until = values("until").length ? Math.min(...values("until").map((u) => parseTimestamp(u, ctx.now ?? Date.now() / 1000))) : undefined;
  const labels = values("label");
  const patterns = values("reference").map((p) => ({ re: globRegExp(p), qualified: namesRegistry(p) }));
  const out: ImageSummary[] = [];
  for (const img of images) {
    if (before !== undefined && !(img.Created < before)) continue;
    if (since !== undefined && !(img.Created > since)) continue;
    if (until !== undefined && !(img.Created < until)) continue;
    if (labels.length && !labels.every((l) => matchLabel(img.Labels, l))) continue;
    let summary = img;
    if (patterns.length) {
      const keep = (ref: string) => patterns.some(({ re, qualified }) => familiarMatch(re, ref) || (qualified && familiarMatch(re, qualifiedName(ref))));
      summary = { ...img, RepoTags: img.RepoTags.filter(keep), RepoDigests: img.RepoDigests.filter(keep) };
      if (!summary.RepoTags.length && !summary.RepoDigests.length) continue;
    }
    if (dangling !== undefined && dangling !== (img.RepoTags.length === 0)) continue;
    out.push(summary);
  }
  return out;
}

/** "KEY" wants the label set; "KEY=VALUE" wants that value. */
function matchLabel(labels: Record<string, string> | null, filter: string): boolean {
  const eq = filter.indexOf("=");
  const key = eq < 0 ? filter : filter.slice(0, eq);
  if (!labels || !Object.hasOwn(labels, key)) return false;
  return eq < 0 || labels[key] === filter.slice(eq + 1);
}

/** reference.FamiliarMatch: the pattern against "name:tag" (or "name@digest"), then against "name". */
function familiarMatch(re: RegExp, ref: string): boolean {
  return re.test(ref) || re.test(ref.replace(/@.*$/, "").replace(/:[^:/]+$/, ""));
}

/** A pattern whose first component is a registry host ("docker.io/library/busybox", "*.example.com/*"), as splitDockerDomain tells one. */
function namesRegistry(pattern: string): boolean {
  const slash = pattern.indexOf("/");
  if (slash < 0) return false;
  const first = pattern.slice(0, slash);
  return /[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase();
}

/** "busybox:latest" → "docker.io/library/busybox:latest" (the name qualified, its tag or digest kept); a name that does not parse stays as it is. */
function qualifiedName(familiarRef: string): string {
  const m = /^(.*?)((?::[^:/@]+)?(?:@.*)?)$/.exec(familiarRef)!;
  try {
    return formatReference(parseReference(m[1]!, { defaultTag: false })) + m[2]!;
  } catch {
    return familiarRef;
  }
}

/** Go's path.Match as a regular expression: * and ? stop at "/", [a-z] and [^a-z] classes, \c escapes. */
export function globRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\") {
      if (i + 1 >= pattern.length) throw badPattern(pattern);
      re += escapeRe(pattern[++i]!);
    } else if (c === "[") {
      const close = classEnd(pattern, i + 1);
      if (close < 0) throw badPattern(pattern);
      let j = i + 1;
      let cls = "";
      if (pattern[j] === "^") {
        cls = "^/";
        j++;
      }
      if (j === close) throw badPattern(pattern);
      for (; j < close; j++) {
        let ch = pattern[j]!;
        const escaped = ch === "\\";
        if (escaped) ch = pattern[++j]!;
        cls += ch === "-" && !escaped ? "-" : ch.replace(/[\\\]\[^-]/g, "\\$&");
      }
      re += `[${cls}]`;
      i = close;
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(`^${re}$`, "u");
  } catch {
    throw badPattern(pattern);
  }
}

function classEnd(p: string, from: number): number {
  for (let i = from; i < p.length; i++) {
    if (p[i] === "\\") i++;
    else if (p[i] === "]" && i > from) return i;
  }
  return -1;
}

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

const badPattern = (pattern: string) =>
  invalid("engine", "ENGINE_FILTER_INVALID", `invalid filter 'reference=${pattern}': syntax error in pattern`, 'patterns are globs: "*" and "?" within a path component, [a-z] classes, "\\" to escape');


