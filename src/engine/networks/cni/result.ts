// A CNI 1.0.0 result ("Success" in the spec: interfaces, ips, routes, dns) checked for the shape
// skiff relies on, and the endpoint read from it: the address, prefix length, gateway and MAC of
// the container-side interface (the one with a sandbox). A plugin's output is outside input: a
// malformed result is an ENGINE_CNI_BAD_RESULT naming the plugin and the field, never a crash.
import { isIPv4, isIPv6 } from "node:net";
import { SkiffError } from "../../../common/errors.ts";
import type { EndpointState } from "../record.ts";
import { cleanText } from "./plugin-error.ts";

export interface CniInterface {
  name: string;
  mac?: string;
  /** Set for an interface inside a container's namespace (its netns path). */
  sandbox?: string;
}

export interface CniIpConfig {
  /** CIDR: "10.88.0.5/16". */
  address: string;
  gateway?: string;
  /** Index into interfaces. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  /** The document as the plugin printed it: the next plugin's prevResult, the cache's content. */
  raw: Record<string, unknown>;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function bad(from: string, what: string): SkiffError {
  return new SkiffError({
    layer: "engine", code: "ENGINE_CNI_BAD_RESULT", kind: "internal",
    message: `read the CNI result of ${from}: ${cleanText(what, 300)}`,
    hint: "the plugin's output does not follow CNI 1.0.0's result format: check its version (CNI_COMMAND=VERSION)",
    details: { plugin: from },
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isIp = (s: unknown): s is string => typeof s === "string" && (isIPv4(s) || isIPv6(s));

/** "10.1.2.3/24" or "fd00::5/64" with a prefix that fits the family. */
export function isCidr(s: unknown): s is string {
  if (typeof s !== "string") return false;
  const slash = s.lastIndexOf("/");
  if (slash < 0 || !/^[0-9]{1,3}$/.test(s.slice(slash + 1))) return false;
  const ip = s.slice(0, slash);
  const prefix = Number(s.slice(slash + 1));
  return (isIPv4(ip) && prefix <= 32) || (isIPv6(ip) && prefix <= 128);
}

function list(o: Record<string, unknown>, key: string, from: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(from, `"${key}" is not an array`);
  return v;
}

function optionalString(o: Record<string, unknown>, key: string, where: string, from: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw bad(from, `${where}.${key} is not a string`);
  return v;
}

/** Checks `value` (a plugin's parsed stdout) as a CNI 1.0.0 result; `from` names the plugin. */
export function parseCniResult(value: unknown, from: string): CniResult {
  if (!isObject(value)) throw bad(from, "not a JSON object");
  if (typeof value.cniVersion !== "string") throw bad(from, "no cniVersion");
  if (!/^1\.[0-9]+\.[0-9]+$/.test(value.cniVersion)) throw bad(from, `cniVersion ${JSON.stringify(value.cniVersion)} is not 1.x (the conflist asks for 1.0.0)`);
  const interfaces = list(value, "interfaces", from).map((v, i): CniInterface => {
    const where = `interfaces[${i}]`;
    if (!isObject(v)) throw bad(from, `${where} is not an object`);
    if (typeof v.name !== "string" || !v.name) throw bad(from, `${where} has no name`);
    const mac = optionalString(v, "mac", where, from);
    if (mac !== undefined && !MAC.test(mac)) throw bad(from, `${where}.mac ${JSON.stringify(mac)} is not a MAC address`);
    return { name: v.name, mac, sandbox: optionalString(v, "sandbox", where, from) };
  });
  const ips = list(value, "ips", from).map((v, i): CniIpConfig => {
    const where = `ips[${i}]`;
    if (!isObject(v)) throw bad(from, `${where} is not an object`);
    if (!isCidr(v.address)) throw bad(from, `${where}.address is not an address with a prefix length`);
    const gateway = optionalString(v, "gateway", where, from);
    if (gateway !== undefined && !isIp(gateway)) throw bad(from, `${where}.gateway is not an IP address`);
    const index = v.interface;
    if (index !== undefined && (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= interfaces.length)) {
      throw bad(from, `${where}.interface is not an index into interfaces (${interfaces.length} given)`);
    }
    return { address: v.address, gateway, interface: index };
  });
  const routes = list(value, "routes", from).map((v, i): CniRoute => {
    const where = `routes[${i}]`;
    if (!isObject(v)) throw bad(from, `${where} is not an object`);
    if (!isCidr(v.dst)) throw bad(from, `${where}.dst is not a CIDR`);
    const gw = optionalString(v, "gw", where, from);
    if (gw !== undefined && !isIp(gw)) throw bad(from, `${where}.gw is not an IP address`);
    return { dst: v.dst, gw };
  });
  if (value.dns !== undefined && !isObject(value.dns)) throw bad(from, `"dns" is not an object`);
  return { cniVersion: value.cniVersion, interfaces, ips, routes, raw: value };
}

/** The endpoint of interface `ifName` in the container: its first IPv4 address, gateway and MAC. */
export function endpointOf(result: CniResult, ifName: string, from: string): EndpointState {
  const index = result.interfaces.findIndex((i) => i.name === ifName && i.sandbox);
  if (index < 0) throw bad(from, `no interface ${ifName} inside the container among ${result.interfaces.length} interfaces`);
  const mac = result.interfaces[index]!.mac;
  if (!mac) throw bad(from, `interface ${ifName} has no mac`);
  const ip = result.ips.find((c) => c.interface === index && isIPv4(c.address.slice(0, c.address.indexOf("/"))));
  if (!ip) throw bad(from, `no IPv4 address for interface ${ifName}`);
  const slash = ip.address.indexOf("/");
  return { ip: ip.address.slice(0, slash), prefixLength: Number(ip.address.slice(slash + 1)), gateway: ip.gateway ?? "", mac: mac.toLowerCase(), ifName };
}
