// Linux capability names and numbers (include/uapi/linux/capability.h).

export const CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
] as const;

const NUMBERS = new Map<string, number>(CAPABILITIES.map((name, i) => [name, i]));

/**
 * A 64-bit capability set from a config's names, as runc reads them: a name this runtime does not
 * know ("CAP_" and capitals, as capabilities(7) writes them) or the kernel does not have (above
 * `lastCap`) is left out and added to `ignored`, for a warning (a newer engine may list one).
 */
export function capabilityMask(names: readonly string[], lastCap: number, ignored: string[] = []): bigint {
  let mask = 0n;
  for (const name of names) {
    const n = NUMBERS.get(name);
    if (n === undefined || n > lastCap) ignored.push(name);
    else mask |= 1n << BigInt(n);
  }
  return mask;
}

/** The bounding set in a /proc/PID/status text ("CapBnd:\t000001fffeffffff"); all bits when absent. */
export function boundingSetOf(status: string): bigint {
  return BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "ffffffffffffffff"}`);
}

export function capabilityNames(mask: bigint): string[] {
  return CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}
