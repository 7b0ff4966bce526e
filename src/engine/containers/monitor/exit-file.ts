// The exit file the monitor writes when the container's init is reaped: one line of wait status,
// seconds and nanoseconds (EXIT_FILE_FORMAT in protocol.ts), renamed into place whole, so a reader
// finds the file complete or not at all.
import { readFileSync } from "node:fs";
import { SkiffError } from "../../../common/errors.ts";
import { errnoOf } from "../../../common/errno.ts";
import { decodeWait, type WaitStatus } from "./wait-status.ts";

export interface ContainerExit extends WaitStatus {
  /** The raw wait status. */
  status: number;
  /** When the init was reaped, as docker prints it (RFC 3339, nanoseconds, UTC). */
  finishedAt: string;
}

/** Go's RFC3339Nano in UTC: the fraction's trailing zeros dropped, no fraction when it is zero. */
export function rfc3339Nano(seconds: number, nanoseconds: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = nanoseconds ? `.${String(nanoseconds).padStart(9, "0").replace(/0+$/, "")}` : "";
  return `${base}${fraction}Z`;
}

export function parseExitFile(text: string, path: string): ContainerExit {
  const m = /^(-?\d+) (\d+) (\d{9})\n$/.exec(text);
  if (!m)
    throw new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_EXIT_FILE", kind: "internal", message: `read the exit file ${path}: not "STATUS SECONDS NANOSECONDS": ${JSON.stringify(text.slice(0, 80))}`, hint: "the file was changed by something other than skiff-monitor", details: { path } });
  const status = Number(m[1]);
  return { status, ...decodeWait(status), finishedAt: rfc3339Nano(Number(m[2]), Number(m[3])) };
}

/** The recorded exit, or undefined while there is none (the container has not exited, or its
 *  monitor died before it did). */
export function readExitFile(path: string): ContainerExit | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    throw new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_EXIT_FILE", kind: "internal", message: `read the exit file ${path}: ${errnoOf(e) ?? (e as Error).message}`, hint: "check the container's state directory", details: { path, errno: errnoOf(e) }, cause: e });
  }
  return parseExitFile(text, path);
}

/** Whether the monitor records an exit within a moment (it reaps and writes at once). */
export async function exitRecorded(exitFile: string): Promise<boolean> {
  for (let i = 0; i < 25; i++) {
    if (readExitFile(exitFile)) return true;
    await Bun.sleep(20);
  }
  return false;
}
