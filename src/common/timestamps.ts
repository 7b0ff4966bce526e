// docker's time filters (until, since): a Go duration before now, unix seconds, or an RFC 3339
// date or time, as the images, containers and networks filters take them.
import { invalid } from "./errors.ts";

const DURATION_UNIT: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** docker's timestamps: a Go duration ago ("10m", "1h30m"), unix seconds ("1700000000.5"), or an RFC 3339 date or time. */
export function parseTimestamp(value: string, now: number): number {
  const v = value.trim();
  if (/^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    let secs = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) secs += Number(m[1]) * DURATION_UNIT[m[2]!]!;
    return v.startsWith("-") ? now + secs : now - secs; // a negative duration is a time to come, as Go's
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v)) {
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(v) && v.length > 10;
    const t = Date.parse(v.replace(" ", "T") + (hasZone ? "" : v.length === 10 ? "T00:00:00Z" : "Z"));
    if (Number.isFinite(t)) return t / 1000;
  }
  throw invalid("engine", "ENGINE_FILTER_INVALID", `invalid filter 'until=${value}': not a timestamp or a duration`, 'give a duration ("24h", "10m"), unix seconds or an RFC 3339 time ("2024-05-01T10:00:00Z")', { filter: "until" });
}
