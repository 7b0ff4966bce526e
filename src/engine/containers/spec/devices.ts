// Device nodes and device cgroup rules of a container, as dockerd writes them: the default rules
// (deny all; allow null, zero, random, urandom, tty, console; deny fuse), --device nodes with an
// allow rule each, and --privileged (every host device, one rule allowing all).
import { existsSync } from "node:fs";
import { invalid } from "../../../common/errors.ts";
import type { DeviceMapping, HostDevice } from "./options.ts";

export interface DeviceRule {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access: string;
}
export interface LinuxDevice {
  path: string;
  type: string;
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

const rule = (allow: boolean, major: number, minor: number): DeviceRule => ({ allow, type: "c", major, minor, access: "rwm" });

/** dockerd's default rules, in its order. /dev/pts/* and /dev/ptmx are opened by the runtime's own defaults. */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { allow: false, access: "rwm" },
  rule(true, 1, 5), // /dev/zero
  rule(true, 1, 3), // /dev/null
  rule(true, 1, 9), // /dev/urandom
  rule(true, 1, 8), // /dev/random
  rule(true, 5, 0), // /dev/tty
  rule(true, 5, 1), // /dev/console
  rule(false, 10, 229), // /dev/fuse
];

const PERMISSIONS = /^[rwm]{1,3}$/;

/**
 * docker's `--device` syntax: "host", "host:container", "host:perms", "host:container:perms";
 * perms are some of r, w, m (default "rwm"); paths absolute.
 */
export function parseDeviceSpec(spec: string): DeviceMapping {
  const parts = spec.split(":");
  const fail = (why: string): never => {
    throw invalid("engine", "ENGINE_INVALID_DEVICE", `--device ${JSON.stringify(spec)}: ${why}`, "give HOST[:CONTAINER][:PERMISSIONS] with absolute paths and permissions of r, w, m", { field: "--device" });
  };
  let [host, ctr, perms] = parts as [string, string | undefined, string | undefined];
  if (parts.length > 3) fail("too many colons");
  if (parts.length === 2 && PERMISSIONS.test(ctr!)) [ctr, perms] = [undefined, ctr];
  perms ??= "rwm";
  ctr ??= host;
  if (!PERMISSIONS.test(perms) || new Set(perms).size !== perms.length) fail(`${JSON.stringify(perms)} is not a set of r, w, m`);
  if (!host.startsWith("/")) fail("the host path must be absolute");
  if (!ctr.startsWith("/")) fail("the container path must be absolute");
  return { pathOnHost: host, pathInContainer: ctr, permissions: perms };
}

/**
 * The nodes of one --device and their rules. `found` is what the host has at pathOnHost (one node,
 * or every node under a directory, each with its host path); a directory's nodes keep their place
 * under pathInContainer.
 */
export function mappedDevices(m: DeviceMapping, found: readonly HostDevice[]): { devices: LinuxDevice[]; rules: DeviceRule[] } {
  if (!PERMISSIONS.test(m.permissions)) throw invalid("engine", "ENGINE_INVALID_DEVICE", `--device ${m.pathOnHost}: ${JSON.stringify(m.permissions)} is not a set of r, w, m`, "give permissions of r, w, m", { field: "--device" });
  // (a path that is not there in dockerd's words, whose "no such file or directory" the docker CLI
  // answers with 127, as it does for dockerd: a new-user trial found 125)
  if (found.length === 0)
    throw invalid("engine", "ENGINE_DEVICE_NOT_FOUND", existsSync(m.pathOnHost) ? `--device ${m.pathOnHost}: no device node there on the host` : `error gathering device information while adding custom device "${m.pathOnHost}": no such file or directory`, "give the path of a character or block device (or a directory of them)", { path: m.pathOnHost });
  const devices: LinuxDevice[] = [];
  const rules: DeviceRule[] = [];
  const base = m.pathOnHost.replace(/\/+$/, "");
  for (const d of found) {
    const path = d.path === base ? m.pathInContainer : m.pathInContainer.replace(/\/+$/, "") + d.path.slice(base.length);
    devices.push({ path, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid });
    rules.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: m.permissions });
  }
  return { devices, rules };
}

/** linux.devices and linux.resources.devices for the container. */
export function containerDevices(o: { privileged?: boolean; devices?: readonly DeviceMapping[] }, host: { devicesAt(path: string): HostDevice[]; hostDevices(): HostDevice[] }): { devices: LinuxDevice[]; rules: DeviceRule[] } {
  if (o.privileged) {
    const devices = host.hostDevices().map((d) => ({ path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid }));
    return { devices, rules: [{ allow: true, access: "rwm" }] };
  }
  const devices: LinuxDevice[] = [];
  const rules: DeviceRule[] = DEFAULT_DEVICE_RULES.map((r) => ({ ...r }));
  for (const m of o.devices ?? []) {
    const one = mappedDevices(m, host.devicesAt(m.pathOnHost));
    devices.push(...one.devices);
    rules.push(...one.rules);
  }
  return { devices, rules };
}
