// A bridge left with the MAC 00:00:00:00:00:00 given a lasting one. The bridge plugin (1.1.1)
// pins the bridge's MAC only at the end of its first successful ADD (ensureAddr sets the MAC "to
// itself"); when that first ADD fails after making the bridge (a fixed IP outside the range, an
// exhausted range), the kernel clears the MAC of the bridge once its last port goes, and every
// later ADD fails with "could not set bridge's mac: invalid argument". Checked before each ADD:
// one sysfs read.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { SkiffError } from "../../../common/errors.ts";

const ZERO_MAC = "00:00:00:00:00:00";

/** A random locally administered unicast MAC, as the kernel gives a new bridge. */
export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Gives `bridge` a MAC if it exists with none; nothing otherwise. */
export function repairBridgeMac(bridge: string): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) return;
  let mac: string;
  try {
    mac = readFileSync(`/sys/class/net/${bridge}/address`, "utf8").trim();
  } catch {
    return; // no such bridge yet: the plugin makes it
  }
  if (mac !== ZERO_MAC) return;
  const p = Bun.spawnSync({ cmd: ["ip", "link", "set", "dev", bridge, "address", randomMac()], stdout: "ignore", stderr: "pipe" });
  if (p.exitCode !== 0) {
    throw new SkiffError({
      layer: "engine", code: "ENGINE_CNI_FAILED", kind: "failed_precondition",
      message: `give the bridge ${bridge} a MAC address (it has none, left so by a failed first ADD): ${p.stderr.toString().trim()}`,
      hint: `delete the bridge (ip link del ${bridge}): the next container made on the network makes it again`,
      details: { bridge },
    });
  }
}
