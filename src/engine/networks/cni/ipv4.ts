// IPv4 addresses and CIDR blocks as 32-bit numbers, for the few sums the CNI layer does (an
// --ip-range's first and last address within its subnet). Strings that are not IPv4 give undefined.
import { isIPv4 } from "node:net";

export interface Ipv4Block {
  /** The block's first address (host bits cleared), as an unsigned 32-bit number. */
  network: number;
  prefixLength: number;
}

export function ipv4ToNumber(ip: string): number | undefined {
  if (!isIPv4(ip)) return undefined;
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** "10.1.2.3/24" → { network: 10.1.2.0, prefixLength: 24 }; undefined unless an IPv4 CIDR. */
export function parseIpv4Cidr(cidr: string): Ipv4Block | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const ip = ipv4ToNumber(m[1]!);
  const prefixLength = Number(m[2]);
  if (ip === undefined || prefixLength > 32) return undefined;
  const size = 2 ** (32 - prefixLength);
  return { network: ip - (ip % size), prefixLength };
}

/** The block's last address (its broadcast address when the prefix is shorter than /31). */
export const lastOf = (b: Ipv4Block): number => b.network + 2 ** (32 - b.prefixLength) - 1;
