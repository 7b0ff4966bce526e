// `features`: what this runtime supports, as the runtime-spec's features document describes it.
import { existsSync } from "node:fs";
import { CAPABILITIES } from "./capabilities.ts";
import { OCI_VERSION } from "./hook-state.ts";
import { HOOK_KINDS } from "../oci/runtime-config.ts";
import { PROPAGATION } from "./plan/mount-options.ts";
import { CLONE } from "./plan/namespaces.ts";
import { ACTIONS, OPERATORS } from "./seccomp/index.ts";

const MOUNT_OPTIONS = [
  "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud", "mand", "noatime", "nodev",
  "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "rbind",
  "relatime", "remount", "ro", "rw", "silent", "strictatime", "suid", "symfollow", "sync",
  "ratime", "rdev", "rdiratime", "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime",
  "rnosuid", "rnosymfollow", "rro", "rrelatime", "rrw", "rstrictatime", "rsuid", "rsymfollow",
  // taken by the runtime itself: a tmpfs that starts with the content of the directory it covers
  "tmpcopyup",
];

export function features(): Record<string, unknown> {
  return {
    ociVersionMin: "1.0.0",
    // (the version state and --version give: a new-user trial found 1.3.0 here against 1.2.0 there)
    ociVersionMax: OCI_VERSION,
    hooks: [...HOOK_KINDS],
    mountOptions: [...MOUNT_OPTIONS, ...Object.keys(PROPAGATION)].sort(),
    linux: {
      namespaces: Object.keys(CLONE),
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: [...ACTIONS],
        operators: [...OPERATORS],
        archs: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"],
        knownFlags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"],
        supportedFlags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"],
      },
      apparmor: { enabled: existsSync("/sys/kernel/security/apparmor") },
      selinux: { enabled: existsSync("/sys/fs/selinux/enforce") },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { "org.opencontainers.runtime-spec.features": "skiff-oci" },
  };
}
