// skiff doctor's checks of what lies beside the kernel: iptables and the CNI plugins networks use,
// and the free space under the data root.
import { okCheck, type HostCheck } from "./check.ts";
import type { HostReader } from "./host-reader.ts";

/** Where Debian and the CNI project put the plugins; a configured directory goes first. */
export const CNI_DIRS = ["/usr/lib/cni", "/opt/cni/bin"];
/** The plugins skiff's networks call: bridge + host-local IPAM + portmap + firewall + loopback. */
export const CNI_PLUGINS = ["bridge", "host-local", "loopback", "portmap", "firewall"];
const IPTABLES = ["/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables", "/bin/iptables"];

export function iptablesCheck(h: HostReader): HostCheck {
  const found = IPTABLES.find((p) => h.exists(p));
  if (found) return okCheck("networking", "iptables", found);
  return { area: "networking", name: "iptables", status: "warning", found: `not found (${IPTABLES.slice(0, 2).join(", ")})`, breaks: "published ports (-p) and the firewall between networks (CNI portmap and firewall call it)", hint: "apt install iptables" };
}

export function cniCheck(h: HostReader, dirs: string[] = CNI_DIRS): HostCheck {
  const best = dirs.map((dir) => ({ dir, have: new Set(h.list(dir)) })).sort((a, b) => count(b.have) - count(a.have))[0]!;
  const missing = CNI_PLUGINS.filter((p) => !best.have.has(p));
  if (!missing.length) return okCheck("networking", "CNI plugins", `${CNI_PLUGINS.join(", ")} in ${best.dir}`);
  return {
    area: "networking",
    name: "CNI plugins",
    status: "warning",
    found: count(best.have) ? `${best.dir} lacks ${missing.join(", ")}` : `none in ${dirs.join(" or ")}`,
    breaks: "user-defined networks and published ports; --network none and host still work",
    hint: "apt install containernetworking-plugins",
  };
}

const count = (have: Set<string>) => CNI_PLUGINS.filter((p) => have.has(p)).length;

/** Below this, pulls and container layers fail soon. */
const LOW_SPACE = 1 << 30;

export function diskCheck(h: HostReader, dataRoot: string): HostCheck {
  const s = h.space(dataRoot);
  if (!s) return { area: "storage", name: "disk space", status: "warning", found: `cannot read the file system of ${dataRoot}`, breaks: "nothing by itself" };
  const free = `${gib(s.available)} free of ${gib(s.total)} under ${dataRoot}`;
  if (s.available < 100 << 20) return { area: "storage", name: "disk space", status: "missing", found: free, breaks: "pulls, loads, new containers' layers and their logs", hint: "free space there, or start skiffd with --data-root on a larger file system", needed: true };
  if (s.available < LOW_SPACE) return { area: "storage", name: "disk space", status: "warning", found: free, breaks: "pulls and loads of large images", hint: "free space there: skiff image prune -a, skiff container prune" };
  return okCheck("storage", "disk space", free);
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
