// Port numbers and ranges as docker reads them (go-connections' nat package), for both sides of
// -p: the CLI's reading of the flag (cli/skiff/publish-flag.ts) and the daemon's of PortBindings
// (engine/networks/port-specs.ts). A failure is Go's error text, for the caller to put in its own
// error (the CLI's --expose quotes it as docker does).

/** Go's strconv.ParseUint(s, 10, 16): digits only (leading zeros allowed), at most 65535; or its error. */
export function parseUint16(s: string): number | string {
  if (!/^[0-9]+$/.test(s)) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  return n > 65535 ? `strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range` : n;
}

/** nat.ParsePortRange: "80" or "8000-8010" (of "a-b-c" only a and b count), end ≥ start; or its error. */
export function parsePortRange(s: string): [number, number] | string {
  if (s === "") return "empty string specified for ports";
  const parts = s.split("-");
  const start = parseUint16(parts[0] as string);
  if (typeof start === "string") return start;
  if (parts.length === 1) return [start, start];
  const end = parseUint16(parts[1] as string);
  if (typeof end === "string") return end;
  if (end < start) return `invalid range specified for port: ${s}`;
  return [start, end];
}

/** nat.SplitProtoPort: "80/udp" → ["udp", "80"]; "80" and "80/" are tcp; "" and "/x" are nothing. */
export function splitProtoPort(raw: string): [proto: string, port: string] {
  const parts = raw.split("/");
  if (raw === "" || parts[0] === "") return ["", ""];
  if (parts.length === 1) return ["tcp", raw];
  if (parts[1] === "") return ["tcp", parts[0] as string];
  return [parts[1] as string, parts[0] as string];
}
