// The facts of this host the spec builder needs, read once: the last capability and those the
// daemon's bounding set holds, the cgroup
// version, the architecture (Go's name, as seccomp profiles use), the kernel release, whether it
// has IPv6, the host's name, and its device nodes. The engine adds the container's own paths (SpecHost).
import { existsSync, readFileSync } from "node:fs";
import { hostname, release } from "node:os";
import { boundingSetOf, capabilityNames } from "../../../runtime/capabilities.ts";
import { devicesAt, hostDevices } from "./host-devices.ts";
import type { SpecHost } from "./options.ts";

export type HostFacts = Pick<SpecHost, "hostHostname" | "cgroupVersion" | "lastCap" | "heldCapabilities" | "arch" | "kernelRelease" | "ipv6" | "devicesAt" | "hostDevices">;

/** Node's process.arch → Go's GOARCH. */
const GOARCH: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", mips: "mips", mipsel: "mipsle" };

let facts: Omit<HostFacts, "hostHostname"> | undefined;

export function readHostFacts(): HostFacts {
  facts ??= {
    // the unified hierarchy alone (not a hybrid's /sys/fs/cgroup/unified) is cgroup v2
    cgroupVersion: existsSync("/sys/fs/cgroup/cgroup.controllers") ? 2 : 1,
    lastCap: Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8")),
    // (CapBnd in /proc/self/status: "000001fffeffffff")
    heldCapabilities: capabilityNames(boundingSetOf(readFileSync("/proc/self/status", "utf8"))),
    arch: GOARCH[process.arch] ?? process.arch,
    kernelRelease: release(),
    ipv6: existsSync("/proc/sys/net/ipv6"),
    devicesAt,
    hostDevices: () => hostDevices(),
  };
  // the host's name can change while the daemon runs; a container takes it when it is created
  return { ...facts, hostHostname: hostname() };
}
