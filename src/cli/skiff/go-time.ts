// Times as docker's CLI reads them for logs --since and --until: a Go duration ("42m", "1h30m",
// "1.5h", "300ms") is that long before now; an RFC 3339 time or a prefix of one ("2013-01-02",
// "2013-01-02T13:23", with a zone or in local time) is that moment; a Unix time ("1700000000",
// "1700000000.5") goes as it is. The daemon gets Unix seconds ("1357133017" for a duration,
// "1357133017.000000000" for a time), as moby's timetypes.GetTimestamp sends them.
import { refused } from "./report-error.ts";

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds (a float: precise enough for a CLI's offsets); undefined if it is none. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(s)!;
  let rest = m[2]!;
  if (rest === "0") return 0;
  if (!rest) return undefined;
  let total = 0;
  while (rest) {
    const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part || (!part[1] && !part[2])) return undefined;
    total += Number(`${part[1] || "0"}.${part[2] || "0"}`) * UNIT_NS[part[3]!]!;
    rest = rest.slice(part[0].length);
  }
  return m[1] === "-" ? -total : total;
}

const bad = (value: string, flag: string, why: string) =>
  refused("CLI_FLAG_VALUE_INVALID", `invalid value ${JSON.stringify(value)} for ${flag}: ${why}`, 'a duration before now (e.g. "42m", "1h30m"), an RFC 3339 time (e.g. "2013-01-02T13:23:37Z", "2013-01-02") or Unix seconds');

/** moby's GetTimestamp: the value for the daemon's since/until query. */
export function getTimestamp(value: string, flag: string, now: number = Date.now()): string {
  const d = parseGoDuration(value);
  if (value !== "0" && d !== undefined) return String(Math.floor((now - d / 1e6) / 1000));
  const t = parseTime(value);
  if (t) return `${Math.floor(t.ms / 1000)}.${String((((t.ms % 1000) + 1000) % 1000) * 1e6 + t.extraNs).padStart(9, "0")}`;
  if (value.includes("-")) throw bad(value, flag, "not an RFC 3339 time");
  if (!/^[+-]?\d+(\.\d+)?$/.test(value) || !/^[+-]?\d+$/.test(value.split(".")[0]!)) throw bad(value, flag, `failed to parse value as time or duration: ${JSON.stringify(value)}`);
  return value;
}

/** An RFC 3339 time or a prefix of one (date; date and hour; hour and minute), with a zone or in local time. */
function parseTime(value: string): { ms: number; extraNs: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  // Go's layouts: seconds need minutes, a fraction needs seconds; a zone after a bare date is allowed
  const nums = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (nums[1] < 1 || nums[1] > 12 || nums[2] < 1 || nums[2] > 31 || nums[3] > 23 || nums[4] > 59 || nums[5] > 59) return undefined;
  const fracNs = Number(frac.padEnd(9, "0") || 0);
  let ms: number;
  if (zone) {
    const offset = /^[zZ]$/.test(zone) ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ms = Date.UTC(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5]) - offset * 60_000;
  } else ms = new Date(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5]).getTime();
  return { ms: ms + Math.floor(fracNs / 1e6), extraNs: fracNs % 1e6 };
}
