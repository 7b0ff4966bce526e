// What the plan needs to know of the host: the last capability the kernel knows, and whether
// AppArmor or SELinux can take a label. Read once per process.
import { existsSync, readFileSync } from "node:fs";
import type { HostFacts } from "./plan/build.ts";

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
  };
  return facts;
}
