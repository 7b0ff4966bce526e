// The device cgroup rule list a container gets, and its meaning as cgroup v1 computes it.
//
// Semantics (Documentation/admin-guide/cgroup-v1/devices.rst, security/device_cgroup.c): a devices
// cgroup is a default policy plus a list of exceptions. A rule of type "a" resets both: "allow a"
// makes everything allowed with no exceptions, "deny a" everything denied. Any other rule whose
// verdict differs from the default adds an exception (permissions merge with an identical
// exception); one whose verdict equals the default removes permissions from the exception with
// exactly the same type, major and minor, and nothing else. So the last rule that changes a
// device's state wins, but a rule cannot carve a device out of a wildcard exception ("deny c 1:3"
// after "allow c 1:*" leaves 1:3 allowed in the kernel). runc's emulator refuses such a rule rather
// than silently ignore it; so does this one. cgroup v2 has no devices controller: the eBPF program
// built from this same state gives the same answers (devices-ebpf.ts).
import { invalid } from "../../common/errors.ts";
import type { DeviceRule } from "./resources.ts";

/** A rule and the config field it came from, for errors. */
export interface SourcedRule extends DeviceRule {
  field: string;
}

/** The state of a devices cgroup: exceptions all carry the verdict opposite to the default. */
export interface DeviceState {
  defaultAllow: boolean;
  /** In the order the kernel lists them in devices.list (a new exception goes last, a merged one
   * keeps its place), each with its merged access: written in this order, a reader of devices.list
   * finds the config's rules first and the defaults after them, as crun writes them. */
  exceptions: DeviceRule[];
}

const rule = (type: "b" | "c", major: number, minor: number, access: string): DeviceRule => ({ allow: true, type, major, minor, access });

/** The devices runc allows in every container (libcontainer/specconv AllowedDevices): mknod of any
 * device (creating a node does not grant opening it), the standard character devices, ptys, and
 * /dev/net/tun. */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  rule("c", -1, -1, "m"),
  rule("b", -1, -1, "m"),
  rule("c", 1, 3, "rwm"), // /dev/null
  rule("c", 1, 8, "rwm"), // /dev/random
  rule("c", 1, 7, "rwm"), // /dev/full
  rule("c", 5, 0, "rwm"), // /dev/tty
  rule("c", 1, 5, "rwm"), // /dev/zero
  rule("c", 1, 9, "rwm"), // /dev/urandom
  rule("c", 136, -1, "rwm"), // /dev/pts/*
  rule("c", 5, 2, "rwm"), // /dev/ptmx
  rule("c", 10, 200, "rwm"), // /dev/net/tun
];

/** The full rule list, in the order runc applies it: the config's rules, then the defaults. A
 * device the config creates (linux.devices) gets no rule of its own: whether it may be opened is
 * for linux.resources.devices to say, as under runc (engines add both the device and its rule). */
export function containerDeviceRules(resourcesDevices: readonly DeviceRule[]): SourcedRule[] {
  return [
    ...resourcesDevices.map((r, i) => ({ ...r, field: `linux.resources.devices[${i}]` })),
    ...DEFAULT_DEVICE_RULES.map((r) => ({ ...r, field: "the default device rules" })),
  ];
}

export const cgroupRuleString = (r: Pick<DeviceRule, "type" | "major" | "minor" | "access">): string =>
  r.type === "a" ? "a *:* rwm" : `${r.type} ${r.major < 0 ? "*" : r.major}:${r.minor < 0 ? "*" : r.minor} ${r.access}`;

const ACCESS = ["r", "w", "m"] as const;
const union = (a: string, b: string) => ACCESS.filter((x) => a.includes(x) || b.includes(x)).join("");
const minus = (a: string, b: string) => ACCESS.filter((x) => a.includes(x) && !b.includes(x)).join("");
const overlaps = (a: string, b: string) => ACCESS.some((x) => a.includes(x) && b.includes(x));

/** Runs the rules through the v1 semantics above, starting from deny-all as runc does (a new
 * container sees only what its rules allow, whatever its parent cgroup allows). */
export function emulateDeviceRules(rules: readonly SourcedRule[]): DeviceState {
  let defaultAllow = false;
  let exceptions = new Map<string, DeviceRule>();
  const key = (r: { type: string; major: number; minor: number }) => `${r.type} ${r.major} ${r.minor}`;
  for (const r of rules) {
    if (r.type === "a") {
      defaultAllow = r.allow;
      exceptions = new Map();
      continue;
    }
    const k = key(r);
    if (r.allow !== defaultAllow) {
      // Map.set keeps an existing key's place, as the kernel merges an identical exception in place
      const old = exceptions.get(k);
      exceptions.set(k, { allow: r.allow, type: r.type, major: r.major, minor: r.minor, access: union(old?.access ?? "", r.access) });
      continue;
    }
    for (const wide of [
      { type: r.type, major: -1, minor: r.minor },
      { type: r.type, major: r.major, minor: -1 },
      { type: r.type, major: -1, minor: -1 },
    ]) {
      const w = exceptions.get(key(wide));
      if (key(wide) === k || !w || !overlaps(w.access, r.access)) continue;
      const verb = r.allow ? "allow" : "deny";
      throw invalid("runtime", "RUNTIME_CGROUP_INVALID", `apply ${r.field}: cannot ${verb} "${cgroupRuleString(r)}" inside the wildcard rule "${cgroupRuleString(w)}" (cgroup v1 ignores such a rule)`, `${verb} the devices of the wildcard one by one, or change the wildcard rule`, { field: r.field });
    }
    const old = exceptions.get(k);
    if (!old) continue;
    const left = minus(old.access, r.access);
    if (left) exceptions.set(k, { ...old, access: left });
    else exceptions.delete(k);
  }
  return { defaultAllow, exceptions: [...exceptions.values()] };
}
