// skiff doctor's host checks, in the order they are shown: kernel, namespaces, cgroups, file
// systems, security, limits, networking, storage. The daemon's own checks (socket, answer) are
// the CLI's, which alone can tell a daemon that does not answer.
import { report, type DoctorReport } from "./check.ts";
import { cgroupChecks } from "./cgroup-checks.ts";
import { hostReader, type HostReader } from "./host-reader.ts";
import { kernelChecks, namespaceChecks, overlayCheck, pidsCheck, seccompCheck } from "./kernel-checks.ts";
import { cniCheck, CNI_DIRS, diskCheck, iptablesCheck } from "./tool-checks.ts";

export interface DoctorOptions {
  /** The data root whose free space counts (skiffd's --data-root). */
  dataRoot: string;
  /** The CNI plugin directories the daemon looks in (its $CNI_PATH), first; the usual ones after. */
  cniDirs?: readonly string[];
  /** The host to read (default: this one, under "/"). */
  host?: HostReader;
}

export function checkHost(o: DoctorOptions): DoctorReport {
  const h = o.host ?? hostReader();
  return report([
    ...kernelChecks(h),
    ...namespaceChecks(h),
    ...cgroupChecks(h),
    overlayCheck(h),
    seccompCheck(h),
    pidsCheck(h),
    iptablesCheck(h),
    cniCheck(h, [...new Set([...(o.cniDirs ?? []), ...CNI_DIRS])]),
    diskCheck(h, o.dataRoot),
  ]);
}
