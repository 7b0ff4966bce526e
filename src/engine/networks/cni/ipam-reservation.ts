// What host-local reserved for an attachment, read from its files: DIR/<network>/<ip> holding
// "<container id>\r\n<ifname>" (containernetworking-plugins 1.1.1, plugins/ipam/host-local/backend/
// disk). For a DEL with no cached ADD result: the firewall plugin removes a container's rules only
// for the addresses in prevResult, so a prevResult is rebuilt from the reservation before the
// bridge plugin's DEL frees it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isIPv4 } from "node:net";

/** The IPv4 addresses host-local holds for (containerId, ifName) on `network`. */
export function reservedAddresses(dataDir: string, network: string, containerId: string, ifName: string): string[] {
  const dir = join(dataDir, network);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => {
    if (!isIPv4(n)) return false;
    try {
      const [id, name] = readFileSync(join(dir, n), "utf8").split(/\r?\n/);
      return id?.trim() === containerId && (name === undefined || name.trim() === ifName);
    } catch {
      return false;
    }
  });
}

/** A CNI 1.0.0 result naming only the container's interface and its addresses with the subnet's prefix. */
export function resultFromReservation(ifName: string, ips: readonly string[], prefixLength: number): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    interfaces: [{ name: ifName, sandbox: "" }],
    ips: ips.map((ip) => ({ interface: 0, address: `${ip}/${prefixLength}` })),
  };
}
