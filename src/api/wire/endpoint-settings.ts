// docker's EndpointSettings as clients send them (network connect's EndpointConfig, the values of
// a create's NetworkingConfig.EndpointsConfig), declared for the validation layer, and their
// mapping to the engine's endpoint configuration: aliases, links, a fixed IPv4 address, a MAC address.
import { isIP } from "node:net";
import { SkiffError } from "../../common/errors.ts";
import type { EndpointConfig, EndpointLink } from "../../engine/networks/index.ts";
import { array, object, optional, record, string, type Infer } from "../schema.ts";

const str = (maxLength: number) => optional(string({ maxLength }));

export const endpointSettingsBody = object({
  IPAMConfig: optional(object({ IPv4Address: str(64), IPv6Address: str(64), LinkLocalIPs: optional(array(string({ maxLength: 64 }), { maxItems: 64 })) })),
  Links: optional(array(string({ maxLength: 1024 }), { maxItems: 1024 })),
  Aliases: optional(array(string({ maxLength: 255 }), { maxItems: 1024 })),
  MacAddress: str(64),
  DriverOpts: optional(record(string({ maxLength: 65536 }), { maxEntries: 256 })),
  // what dockerd fills in itself: accepted, not read
  NetworkID: str(128),
  EndpointID: str(128),
  IPAddress: str(64),
});

export type EndpointSettingsBody = Infer<typeof endpointSettingsBody>;

const bad = (field: string, message: string, hint: string) => new SkiffError({ layer: "api", code: "API_BODY_INVALID", kind: "invalid_argument", message, hint, details: { field } });

/** A MAC address as Go's net.ParseMAC takes one for Ethernet (six octets, : or - between them). */
export const isMac = (s: string): boolean => /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(s);

/** A MAC address given by a client, checked (`field` names it in a refusal), in docker's lower-case colon form. */
export function macOf(s: string, field: string): string {
  if (!isMac(s.trim())) throw bad(field, `${s} is not a valid mac address`, "give six hex octets: 02:42:ac:11:00:02");
  return s.trim().toLowerCase().replace(/-/g, ":");
}

/** A container's name or id, and a link's alias: docker's container-name characters. The alias
 *  becomes a name of /etc/hosts, where a space, "#" or a newline would make records of its own. */
const LINK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** docker's ParseLink: NAME or NAME:ALIAS (a leading "/" on the name dropped). */
export function linkOf(v: string, field: string): { container: string; alias: string } {
  const parts = v.split(":");
  const name = (parts[0] ?? "").replace(/^\//, "");
  const alias = parts.length === 2 ? parts[1]! : name;
  if (parts.length > 2 || !LINK_NAME.test(name) || !LINK_NAME.test(alias) || alias.length > 253) throw bad(field, `bad format for links: ${v}`, "give --link NAME or NAME:ALIAS (letters, digits, _ . -)");
  return { container: name, alias };
}

/** A link of a user-defined network's endpoint: linkOf's, with the name it was given by (the
 *  engine puts the container's id in `container`). */
export const endpointLinkOf = (v: string, field: string): EndpointLink => {
  const l = linkOf(v, field);
  return { ...l, name: l.container };
};

/** An endpoint link as clients give it and dockerd shows it: NAME, or NAME:ALIAS. */
export const endpointLinkText = (l: EndpointLink): string => (l.alias === l.name ? l.name : `${l.name}:${l.alias}`);

/** An EndpointSettings → the engine's endpoint configuration; what skiffd does not serve is a 400 naming the field. */
export function endpointConfigOf(e: EndpointSettingsBody | undefined, field: string): EndpointConfig {
  const ipam = e?.IPAMConfig;
  if (ipam?.IPv6Address) throw bad(`${field}.IPAMConfig.IPv6Address`, "skiffd's networks are IPv4 only: --ip6 is not served", "leave --ip6 out");
  if (ipam?.LinkLocalIPs?.length) throw bad(`${field}.IPAMConfig.LinkLocalIPs`, "--link-local-ip is not served by skiffd", "leave --link-local-ip out");
  if (ipam?.IPv4Address && isIP(ipam.IPv4Address) !== 4) throw bad(`${field}.IPAMConfig.IPv4Address`, `invalid IPv4 address: ${ipam.IPv4Address}`, "give --ip an IPv4 address in the network's subnet");
  for (const [i, a] of (e?.Aliases ?? []).entries()) if (!a.trim()) throw bad(`${field}.Aliases[${i}]`, "a network alias cannot be empty", "give --network-alias a name");
  const links = (e?.Links ?? []).map((l, i) => endpointLinkOf(l, `${field}.Links[${i}]`));
  return {
    aliases: e?.Aliases ?? [],
    ...(links.length ? { links } : {}),
    ...(ipam?.IPv4Address ? { ip: ipam.IPv4Address } : {}),
    ...(e?.MacAddress ? { mac: macOf(e.MacAddress, `${field}.MacAddress`) } : {}),
  };
}
