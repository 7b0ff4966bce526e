// An --add-host value, or an ExtraHosts entry of the API, split as docker's opts.ValidateExtraHost
// splits it: "NAME=IP" first, else at the first ":" ("name:::1" is ::1); brackets around the
// address dropped; the address checked with surrounding blanks trimmed (Go's net.ParseIP, no zone)
// but kept as given. The CLI checks the flag with it, the daemon the entries the API brings.

export const HOST_GATEWAY = "host-gateway";

export interface ExtraHostCheck {
  /** Go's net.ParseIP, true for an address: each layer brings its own (the CLI starts without node:net). */
  isIp: (text: string) => boolean;
  /** A further rule for the name (its failure is docker's "bad format"). */
  nameOk?: (name: string) => boolean;
}

/** The name and the address (or "host-gateway"), or the refusal in docker's words. */
export function splitExtraHost(value: string, check: ExtraHostCheck): { name: string; ip: string } | { refusal: string } {
  let cut = value.indexOf("=");
  if (cut < 0) cut = value.indexOf(":");
  const name = cut < 0 ? "" : value.slice(0, cut);
  if (cut < 0 || name === "" || name.includes(":") || (check.nameOk && !check.nameOk(name))) return { refusal: `bad format for add-host: ${JSON.stringify(value)}` };
  let ip = value.slice(cut + 1);
  if (ip === HOST_GATEWAY) return { name, ip };
  if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (!check.isIp(ip.trim())) return { refusal: `invalid IP address in add-host: ${JSON.stringify(ip)}` };
  return { name, ip };
}
