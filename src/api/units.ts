// Sizes and durations as docker prints them (github.com/docker/go-units): decimal units and Go's
// %g, "2 hours ago". One place, so the daemon's progress strings and the CLI's tables agree.

const SIZE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** Go's fmt "%.{precision}g": shortest form, trailing zeros dropped, exponent form when large. */
function goG(x: number, precision: number): string {
  if (x === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [m, e] = x.toExponential(precision - 1).split("e");
    const mant = String(Number(m));
    const n = Number(e);
    return `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return String(Number(x.toPrecision(precision)));
}

/** units.HumanSizeWithPrecision: 4261234 → "4.26MB" (precision 3), "4.261MB" (4). */
export function humanSize(bytes: number, precision = 4): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < SIZE_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return goG(size, precision) + SIZE_UNITS[i];
}

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** units.BytesSize: binary units, Go's "%.4g" (1572864 → "1.5MiB"), as docker stats prints memory. */
export function bytesSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < BINARY_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return goG(size, 4) + BINARY_UNITS[i];
}

/** units.HumanDuration: "Less than a second", "About a minute", "2 hours", "3 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

export interface ProgressDetail {
  current?: number;
  total?: number;
}

/** JSONProgress.String() as the daemon renders it (width 200: with the bar, no time left). */
export function progressString(p: ProgressDetail, width = 200): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = width > 110 ? `[${"=".repeat(pct)}>${" ".repeat(50 - pct)}] ` : "";
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}
