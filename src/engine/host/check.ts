// One finding of skiff doctor: what was looked at, what was found, in plain words, and for what is
// missing, which of skiff's features it breaks. A missing check that skiff needs to run containers
// at all makes doctor fail (exit status 1); the rest are warnings.

export type CheckStatus = "ok" | "warning" | "missing";

export interface HostCheck {
  /** The group it is shown under. */
  area: "kernel" | "namespaces" | "cgroups" | "filesystems" | "security" | "limits" | "networking" | "storage" | "daemon";
  /** "overlayfs", "user namespaces", "memory controller". */
  name: string;
  status: CheckStatus;
  /** What was found ("kernel 6.18.0", "not in /proc/filesystems"). */
  found: string;
  /** For a warning or a missing check: what does not work without it. */
  breaks?: string;
  /** What to do about it. */
  hint?: string;
  /** Needed for containers to run at all: missing, doctor fails. */
  needed?: boolean;
}

export interface DoctorReport {
  checks: HostCheck[];
  /** False when a needed check is missing. */
  ok: boolean;
}

export const okCheck = (area: HostCheck["area"], name: string, found: string): HostCheck => ({ area, name, status: "ok", found });

export const report = (checks: HostCheck[]): DoctorReport => ({ checks, ok: !checks.some((c) => c.status === "missing" && c.needed) });
