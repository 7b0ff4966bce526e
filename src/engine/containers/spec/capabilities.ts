// The capability set of a container as dockerd computes it from --cap-add, --cap-drop and
// --privileged (confirmed against dockerd 20.10 by test/spec-differential.test.ts).
import { invalid, precondition } from "../../../common/errors.ts";
import { CAPABILITIES } from "../../../runtime/capabilities.ts";

/** docker's default set, in docker's order (the order shows in config.json). */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
] as const;

const ALL = "ALL";

/** "net_admin", "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; "all" → "ALL"; an unknown name is an error. */
export function normalizeCapability(name: string, flag: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === ALL) return ALL;
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!(CAPABILITIES as readonly string[]).includes(full))
    throw invalid("engine", "ENGINE_UNKNOWN_CAPABILITY", `${flag}: unknown capability ${JSON.stringify(name)}`, "use names from capabilities(7), such as NET_ADMIN, or ALL", { field: flag });
  return full;
}

/** Every capability the kernel knows (numbers up to /proc/sys/kernel/cap_last_cap) that the daemon
 *  holds (`held`, its bounding set; all when absent): what --privileged and ALL grant. */
export function allCapabilities(lastCap: number, held?: readonly string[]): string[] {
  const known = CAPABILITIES.slice(0, lastCap + 1);
  return held ? known.filter((c) => held.includes(c)) : known;
}

/**
 * The container's capabilities, in docker's order: --privileged gives every one the kernel knows
 * (adds and drops ignored); add ALL gives every one but the drops; drop ALL gives only the adds;
 * otherwise the defaults less the drops, then the adds (an add wins over the same drop). A name
 * given twice is kept once (dockerd 20.10 repeated it; the set is the same).
 *
 * Only what the daemon holds (`held`, its bounding set) can be granted: --privileged, ALL and the
 * defaults give those of theirs it holds, as podman does (dockerd asks for every one, and no such
 * container starts where its own bounding set lacks one: root without CAP_SYS_RESOURCE, or a
 * daemon in a container); a --cap-add of one it lacks is refused, naming it.
 */
export function containerCapabilities(o: { capAdd?: string[]; capDrop?: string[]; privileged?: boolean }, lastCap: number, held?: readonly string[]): string[] {
  const all = allCapabilities(lastCap, held);
  if (o.privileged) return all;
  const add = (o.capAdd ?? []).map((c) => normalizeCapability(c, "--cap-add"));
  const drop = (o.capDrop ?? []).map((c) => normalizeCapability(c, "--cap-drop"));
  const lacking = held ? add.filter((c) => c !== ALL && !held.includes(c)) : [];
  if (lacking.length)
    throw precondition("engine", "ENGINE_CAPABILITY_UNAVAILABLE", `--cap-add ${lacking.join(", ")}: not in skiffd's own bounding set, so no container it starts can have ${lacking.length > 1 ? "them" : "it"}`, "leave it out, or run skiffd where it holds it (CapBnd in /proc/PID/status; a daemon in a container gets only what its container was given)", { field: "--cap-add" });
  let caps: string[];
  if (add.includes(ALL)) caps = all.filter((c) => !drop.includes(c));
  else if (drop.includes(ALL)) caps = add;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c) && (!held || held.includes(c))), ...add];
  return [...new Set(caps)];
}

/** process.capabilities: a user other than root keeps only the bounding set, as dockerd (since
 * 20.10.14) does, so that a non-root process gains nothing at execve; nothing is inheritable. */
export function processCapabilities(caps: string[], uid: number): { bounding: string[]; effective: string[]; inheritable: string[]; permitted: string[]; ambient: string[] } {
  const root = uid === 0;
  return { bounding: [...caps], effective: root ? [...caps] : [], inheritable: [], permitted: root ? [...caps] : [], ambient: [] };
}
