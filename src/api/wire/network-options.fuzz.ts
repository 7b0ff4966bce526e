// Properties of the network bodies skiffd takes, for fast-check, run briefly with a fixed seed by
// network-options.test.ts (and long by scripts/fuzz.ts): any NetworkMode, endpoints, ports, DNS
// settings, extra hosts and links of a container's create body give the engine's options or an
// API_BODY_INVALID naming a field, never another error, and what comes out is well formed (port
// keys "N/tcp|udp", MACs in lower-case colon form); likewise any network create body.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import type { ContainerCreateBody } from "./container-create.ts";
import { networkOptionsOf } from "./network-options.ts";
import { createRequestOf, networkCreateBody } from "../handlers/networks.ts";
import { SchemaFailure } from "../schema.ts";

const pieces = ["", "default", "bridge", "none", "host", "container:", "container:x", "net1", "80", "80/tcp", "53/udp", "1/sctp", "0", "65536", "8000-8010", "10-1", "1.2.3.4", "::1", "[::1]", "host-gateway", "02:42:ac:11:00:02", "02-42-AC-11-00-02", "zz:zz", ":", "=", "/", " ", "\n", "__proto__"];
const text = fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 10 }));
const texts = fc.array(text, { maxLength: 3 });

const body = fc.record(
  {
    MacAddress: text,
    ExposedPorts: fc.dictionary(text, fc.constant({})),
    HostConfig: fc.record({
      NetworkMode: text,
      PortBindings: fc.dictionary(text, fc.array(fc.record({ HostIp: text, HostPort: text }, { requiredKeys: [] }), { maxLength: 2 })),
      PublishAllPorts: fc.boolean(),
      Dns: texts,
      DnsSearch: texts,
      DnsOptions: texts,
      ExtraHosts: texts,
      Links: fc.array(fc.oneof(text, fc.constantFrom("pub", "pub:alias", "/pub:x", "a:b:c", "pub:", ":x", "pub:a b", "pub:#x", "pub:a\nb", "p:ä")), { maxLength: 3 }),
    }, { requiredKeys: [] }),
    NetworkingConfig: fc.record({ EndpointsConfig: fc.dictionary(text, fc.record({ Aliases: texts, MacAddress: text, IPAMConfig: fc.record({ IPv4Address: text }, { requiredKeys: [] }) }, { requiredKeys: [] })) }),
  },
  { requiredKeys: [] },
);

export const anyNetworkBody = () =>
  fc.property(body, (b) => {
    try {
      const o = networkOptionsOf({ Image: "busybox", ...b } as ContainerCreateBody, []);
      for (const k of [...Object.keys(o.portBindings ?? {}), ...(o.exposedPorts ?? [])]) if (!/^\d{1,5}\/(tcp|udp)$/.test(k)) throw new Error(`a port key came out as ${k}`);
      for (const e of Object.values(o.endpoints ?? {})) if (e.mac && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(e.mac)) throw new Error(`a MAC came out as ${e.mac}`);
      // (a link's alias is a name of /etc/hosts: nothing there may start a record or a comment)
      for (const l of o.links ?? []) if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(l.container) || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(l.alias)) throw new Error(`a link came out as ${JSON.stringify(l)}`);
    } catch (e) {
      if (!isSkiffError(e) || e.code !== "API_BODY_INVALID" || typeof e.details.field !== "string" || !e.hint) throw e;
    }
  });

/** Any JSON as POST /networks/create's body: the schema's refusal (a field named), the mapping's
 *  (API_BODY_INVALID with a field), or the service's request with a name and string maps. */
export const anyNetworkCreateBody = () =>
  fc.property(
    fc.oneof(
      fc.record({ Name: text, Driver: text, Internal: fc.boolean(), EnableIPv6: fc.boolean(), Scope: text, Ingress: fc.boolean(), Options: fc.dictionary(text, text), Labels: fc.dictionary(text, text), IPAM: fc.record({ Driver: text, Options: fc.dictionary(text, text), Config: fc.array(fc.record({ Subnet: text, Gateway: text, IPRange: text, AuxiliaryAddresses: fc.dictionary(text, text) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    (b) => {
      let checked;
      try {
        checked = networkCreateBody.check(b, "");
      } catch (e) {
        if (e instanceof SchemaFailure) return;
        throw e;
      }
      try {
        const r = createRequestOf(checked);
        if (!r.name.trim() || typeof r.labels !== "object" || typeof r.options !== "object") throw new Error(`a request came out as ${JSON.stringify(r)}`);
      } catch (e) {
        if (!isSkiffError(e) || e.code !== "API_BODY_INVALID" || typeof e.details.field !== "string" || !e.hint) throw e;
      }
    },
  );

/** Links alone (anyNetworkBody's bodies are mostly refused for another field first): each link
 *  the default bridge keeps is named as docker names a container, its alias fit for /etc/hosts,
 *  or the body is refused naming HostConfig.Links; no other network keeps one. */
export const anyLinks = () =>
  fc.property(
    fc.constantFrom(undefined, "", "default", "bridge", "net1", "host", "none"),
    fc.array(fc.oneof(fc.constantFrom("pub", "pub:alias", "/pub:x", "a:b:c", "pub:", ":x", "pub:a b", "pub:#x", "pub:a\nb", "p:ä", "p:-x", "p:.", "0:0"), fc.string({ maxLength: 8 })), { maxLength: 3 }),
    (mode, links) => {
      let o: ReturnType<typeof networkOptionsOf>;
      try {
        o = networkOptionsOf({ Image: "busybox", HostConfig: { ...(mode === undefined ? {} : { NetworkMode: mode }), Links: links } } as ContainerCreateBody, []);
      } catch (e) {
        if (!isSkiffError(e) || e.code !== "API_BODY_INVALID" || !String(e.details.field).startsWith("HostConfig.Links") || !e.hint) throw e;
        return;
      }
      // the default bridge's as /etc/hosts records, a user-defined network's as its endpoint's
      const kept = o.links ?? [];
      if (kept.length && o.network !== "bridge") throw new Error(`links kept on ${o.network}`);
      const onEndpoints = Object.entries(o.endpoints ?? {}).flatMap(([net, e]) => (e.links ?? []).map((l) => ({ net, ...l })));
      for (const l of onEndpoints) if (l.net !== "net1" || o.network !== "net1" || l.name !== l.container) throw new Error(`an endpoint link came out as ${JSON.stringify(l)} on ${o.network}`);
      if (o.network === "net1" && links.length && onEndpoints.length === 0) throw new Error("links on a user-defined network were dropped");
      for (const l of [...kept, ...onEndpoints]) if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(l.container) || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(l.alias)) throw new Error(`a link came out as ${JSON.stringify(l)}`);
    },
  );

export const NETWORK_OPTIONS_PROPERTIES: Record<"anyNetworkBody" | "anyNetworkCreateBody" | "anyLinks", () => fc.IRawProperty<any>> = { anyNetworkBody, anyNetworkCreateBody, anyLinks };
