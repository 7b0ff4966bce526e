// docker's health checks as pure decisions (moby's daemon/health.go): which check a container has
// (its own --health-* over the image's HEALTHCHECK), the command a probe runs, its timings with
// docker's defaults, and how a probe's result moves the status between starting, healthy and
// unhealthy. health.ts runs the probes.
//
// The state machine: a start sets "starting" with no failing streak (the log of earlier results is
// kept). Exit code 0 is healthy and ends the streak. Any other result (1, another code, a timeout,
// a probe that could not run) adds to the streak, except while the container is still "starting"
// within its start period; a streak of `retries` is unhealthy. Only "starting" waits out the start
// period: a healthy container that fails counts at once.

/** docker's HealthConfig: durations in nanoseconds, 0 for docker's default. */
export interface HealthConfig {
  /** ["NONE"], ["CMD", arg...], ["CMD-SHELL", command]; [] inherits the image's. */
  test: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  retries?: number;
}

export type HealthStatus = "starting" | "healthy" | "unhealthy";

/** One probe's result; times are RFC 3339 with nanoseconds. */
export interface HealthResult {
  start: string;
  end: string;
  /** 0 healthy, 1 unhealthy, -1 for a probe that timed out or could not run. */
  exitCode: number;
  output: string;
}

export interface ContainerHealth {
  status: HealthStatus;
  failingStreak: number;
  /** The last MAX_HEALTH_LOG results, oldest first. */
  log: HealthResult[];
}

export const DEFAULT_INTERVAL_NS = 30e9;
export const DEFAULT_TIMEOUT_NS = 30e9;
export const DEFAULT_RETRIES = 3;
/** dockerd keeps this much of a probe's output, and "..." after it when there was more. */
export const MAX_HEALTH_OUTPUT = 4096;
export const MAX_HEALTH_LOG = 5;
/** dockerd's smallest interval, timeout and start period (1 ms). */
export const MIN_DURATION_NS = 1e6;

/** The image config's HEALTHCHECK (docker's field names). */
export interface ImageHealthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The check that runs: the merged one (mergedHealthcheck), unless it is none or NONE. */
export function effectiveHealthcheck(own: HealthConfig | undefined, image: ImageHealthcheck | undefined): HealthConfig | undefined {
  const c = mergedHealthcheck(own, image);
  if (!c || !c.test.length || c.test[0] === "NONE") return undefined;
  return c;
}

/** docker's merge of the container's check over the image's (the container's Config.Healthcheck):
 *  fields the container leaves unset come from the image. */
export function mergedHealthcheck(own: HealthConfig | undefined, image: ImageHealthcheck | undefined): HealthConfig | undefined {
  let c: HealthConfig | undefined = own && { ...own };
  if (!c) c = image && { test: image.Test, interval: image.Interval, timeout: image.Timeout, startPeriod: image.StartPeriod, retries: image.Retries };
  else if (image) {
    if (!c.test.length) c.test = image.Test;
    c.interval ||= image.Interval;
    c.timeout ||= image.Timeout;
    c.startPeriod ||= image.StartPeriod;
    c.retries ||= image.Retries;
  }
  return c;
}

/** The probe's argv: CMD's arguments, or CMD-SHELL's command through /bin/sh -c. */
export function probeArgv(test: readonly string[]): string[] {
  const [kind, ...rest] = test;
  if (kind === "CMD") return rest;
  if (kind === "CMD-SHELL") return ["/bin/sh", "-c", rest.join(" ")];
  throw new Error(`unknown healthcheck type '${kind}'`);
}

/** What is wrong with a check as given (dockerd's words), or undefined. */
export function healthcheckProblem(c: HealthConfig): string | undefined {
  const kind = c.test[0];
  if (kind !== undefined && !["NONE", "CMD", "CMD-SHELL"].includes(kind)) return `unknown healthcheck type '${kind}' (expected 'CMD' or 'CMD-SHELL')`;
  if ((kind === "CMD" || kind === "CMD-SHELL") && c.test.length < 2) return `Healthcheck ${kind} has no command`;
  for (const [field, v] of [["Interval", c.interval], ["Timeout", c.timeout], ["StartPeriod", c.startPeriod]] as const) {
    if (v !== undefined && v < 0) return `${field} in Healthcheck cannot be negative`;
    if (v && v < MIN_DURATION_NS) return `${field} in Healthcheck cannot be less than 1ms`;
  }
  if (c.retries !== undefined && c.retries < 0) return "Retries in Healthcheck cannot be negative";
  return undefined;
}

export interface ProbeTimings {
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

export function probeTimings(c: HealthConfig): ProbeTimings {
  return {
    intervalMs: (c.interval || DEFAULT_INTERVAL_NS) / 1e6,
    timeoutMs: (c.timeout || DEFAULT_TIMEOUT_NS) / 1e6,
    startPeriodMs: (c.startPeriod || 0) / 1e6,
    retries: c.retries && c.retries > 0 ? c.retries : DEFAULT_RETRIES,
  };
}

/** The health of a container that has just started: starting, no streak, the log kept. */
export function startingHealth(prev: ContainerHealth | undefined): ContainerHealth {
  return { status: "starting", failingStreak: 0, log: prev?.log ?? [] };
}

/** The health after a probe's result; `startedAtMs` is the container's start, `startMs` the probe's. */
export function applyProbeResult(h: ContainerHealth, r: HealthResult, o: { retries: number; startPeriodMs: number; startedAtMs: number; startMs: number }): ContainerHealth {
  const log = [...h.log, r].slice(-MAX_HEALTH_LOG);
  if (r.exitCode === 0) return { status: "healthy", failingStreak: 0, log };
  const inStartPeriod = h.status === "starting" && o.startMs - o.startedAtMs < o.startPeriodMs;
  if (inStartPeriod) return { ...h, log };
  const failingStreak = h.failingStreak + 1;
  return { status: failingStreak >= o.retries ? "unhealthy" : h.status, failingStreak, log };
}

/** A probe's output as dockerd keeps it: the first MAX_HEALTH_OUTPUT bytes, "..." if there was more. */
export function probeOutput(bytes: Uint8Array): string {
  const kept = Buffer.from(bytes.subarray(0, MAX_HEALTH_OUTPUT)).toString("utf8");
  return bytes.length > MAX_HEALTH_OUTPUT ? `${kept}...` : kept;
}

/** Go's time.Duration.String for whole nanoseconds ("30s", "1m30s", "500ms", "1.5s"). */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const neg = ns < 0;
  let n = Math.abs(Math.round(ns));
  let out: string;
  if (n < 1e9) {
    const [unit, size] = n < 1e3 ? ["ns", 1] : n < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
    out = `${trimFraction(n / size)}${unit}`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    out = `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${trimFraction(n / 1e9)}s`;
  }
  return neg ? `-${out}` : out;
}

const trimFraction = (v: number) => v.toFixed(9).replace(/\.?0+$/, "");

/** The output of a probe that ran past its timeout (dockerd's words). */
export const timeoutOutput = (timeoutMs: number) => `Health check exceeded timeout (${goDuration(timeoutMs * 1e6)})`;
