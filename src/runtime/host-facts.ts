// What the plan needs to know of the host: the last capability the kernel knows, whether
// AppArmor or SELinux can take a label, and what execve's limits follow (this process's stack
// limit, which the container inherits, and the page size). Read once per process.
import { existsSync, readFileSync } from "node:fs";
import type { HostFacts } from "./plan/process-steps.ts";

let facts: HostFacts | undefined;

export function readHostFacts(): HostFacts {
  facts ??= {
    lastCap: Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8")),
    rootless: process.geteuid?.() !== 0,
    apparmor: (() => {
      try {
        return readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").trim() === "Y";
      } catch {
        return false;
      }
    })(),
    selinux: existsSync("/sys/fs/selinux/enforce"),
    stackLimit: softStackLimit(readFileSync("/proc/self/limits", "utf8")),
    pageSize: pageSize(readFileSync("/proc/self/auxv")),
  };
  return facts;
}

/** "Max stack size  8388608  unlimited  bytes" → 8388608; "unlimited" → Infinity. */
export function softStackLimit(limits: string): number | undefined {
  const m = /^Max stack size\s+(\S+)/m.exec(limits);
  if (!m) return undefined;
  return m[1] === "unlimited" ? Infinity : Number(m[1]);
}

/** AT_PAGESZ (6) from the auxiliary vector: pairs of native words, 8 bytes each on 64-bit. */
export function pageSize(auxv: Uint8Array, word = process.arch === "ia32" || process.arch === "arm" ? 4 : 8): number | undefined {
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  const read = (at: number) => (word === 8 ? Number(view.getBigUint64(at, true)) : view.getUint32(at, true));
  for (let at = 0; at + 2 * word <= auxv.byteLength; at += 2 * word) if (read(at) === 6) return read(at + word);
  return undefined;
}
