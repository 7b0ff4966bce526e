// The default route of a running container's network namespace, set again through another of its
// networks when the one that held it is disconnected, as dockerd moves its gateway endpoint. Done
// by iproute2's `ip` inside the namespace (util-linux's nsenter), as links.ts runs `ip` for the
// host's devices. Best effort: the disconnect itself has happened; false when no route was set.
import { isDeviceName } from "../../common/net-device.ts";
import { isIp } from "./addresses.ts";
import type { EndpointState } from "./record.ts";

/** Adds "default via GATEWAY dev IFNAME" in the namespace of `pid` unless it has a default route; false when `ip` failed. */
export function keepDefaultRoute(pid: number, via: EndpointState): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !isDeviceName(via.ifName) || !isIp(via.gateway)) return false;
  const inNamespace = (args: string[]) => Bun.spawnSync(["nsenter", `--net=/proc/${pid}/ns/net`, "ip", ...args], { stdout: "pipe", stderr: "pipe" });
  const shown = inNamespace(["route", "show", "default"]);
  if (shown.exitCode === 0 && shown.stdout.toString().trim()) return true;
  return inNamespace(["route", "add", "default", "via", via.gateway, "dev", via.ifName]).exitCode === 0;
}
