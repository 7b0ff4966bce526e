// The network routes: list (filters), inspect, create, connect, disconnect, remove, prune, as
// dockerd answers them: 201 {"Id","Warning"} for a create, 200 with no body for connect and
// disconnect, 204 for a removal, 404 "network NAME not found", 409 for a name in use, 403 for the
// predefined network and for a network in use. The bodies are docker's NetworkCreateRequest,
// NetworkConnect and NetworkDisconnect (what docker 20.10 and 28 send), checked before anything.
import { isSkiffError, SkiffError } from "../../common/errors.ts";
import type { NetworkServiceApi } from "../../engine/networks/index.ts";
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { array, boolean, object, optional, record, string, type Infer } from "../schema.ts";
import { endpointConfigOf, endpointSettingsBody } from "../wire/endpoint-settings.ts";
import { networkJson } from "../wire/network-json.ts";
import { containerNetworksIndex, type ContainerNetwork } from "../wire/container-network-json.ts";
import type { HandlerContext } from "./context.ts";
import { filtersQuery } from "./params.ts";

/** The network service: the containers engine's (a server made for image-only tests has none: lookups are 404s). */
export function networksOf(ctx: HandlerContext, lookup?: string): NetworkServiceApi {
  const svc = ctx.containers?.networks;
  if (svc) return svc;
  if (lookup !== undefined) throw apiError("not_found", "API_NETWORK_NOT_FOUND", `network ${lookup} not found`, "this server serves no networks");
  throw apiError("failed_precondition", "API_NO_NETWORKS", "this daemon serves no networks", "start skiffd itself (bin/skiffd), not a test server");
}

/** The networks of every container (for container inspect and list); none without a network service. */
export function containerNetworks(ctx: HandlerContext): (containerId: string) => ContainerNetwork[] {
  const svc = ctx.containers?.networks;
  const index = containerNetworksIndex(svc?.list() ?? []);
  return (id) => index.get(id) ?? [];
}

const bad = (field: string, message: string, hint: string) => new SkiffError({ layer: "api", code: "API_BODY_INVALID", kind: "invalid_argument", message, hint, details: { field } });
const str = (maxLength = 1024) => optional(string({ maxLength }));
const bool = () => optional(boolean());
const labels = () => optional(record(string({ maxLength: 65536 }), { maxEntries: 4096 }));

/** docker's NetworkCreateRequest (Scope, CheckDuplicate, Attachable: accepted, and meaningless here). */
export const networkCreateBody = object({
  Name: string({ maxLength: 255 }),
  CheckDuplicate: bool(),
  Driver: str(255),
  Scope: str(32),
  EnableIPv4: bool(),
  EnableIPv6: bool(),
  IPAM: optional(
    object({
      Driver: str(255),
      Options: labels(),
      Config: optional(array(object({ Subnet: str(64), IPRange: str(64), Gateway: str(64), AuxiliaryAddresses: labels() }), { maxItems: 16 })),
    }),
  ),
  Internal: bool(),
  Attachable: bool(),
  Ingress: bool(),
  ConfigOnly: bool(),
  ConfigFrom: optional(object({ Network: str(255) })),
  Options: labels(),
  Labels: labels(),
});

export type NetworkCreateBody = Infer<typeof networkCreateBody>;

const networkConnectBody = object({ Container: string({ maxLength: 255 }), EndpointConfig: optional(endpointSettingsBody) });
const networkDisconnectBody = object({ Container: string({ maxLength: 255 }), Force: bool() });

/** The create body → the service's request; what skiffd cannot make is a 400 naming the field. */
export function createRequestOf(b: NetworkCreateBody) {
  if (!b.Name.trim()) throw bad("Name", "network name is required", "name the network");
  if (b.EnableIPv6) throw bad("EnableIPv6", "skiffd's networks are IPv4 only: --ipv6 is not served", "leave --ipv6 out");
  if (b.EnableIPv4 === false) throw bad("EnableIPv4", "skiffd's networks need IPv4: --ipv4=false is not served", "leave --ipv4 out");
  if (b.Ingress) throw bad("Ingress", "ingress networks are swarm's: skiffd has none", "leave --ingress out");
  if (b.ConfigOnly || b.ConfigFrom?.Network) throw bad(b.ConfigOnly ? "ConfigOnly" : "ConfigFrom", "config-only networks are not served by skiffd", "leave --config-only and --config-from out");
  if (b.Scope && b.Scope !== "local") throw bad("Scope", `scope ${b.Scope} is not served: skiffd's networks are local`, "leave --scope out");
  const ipam = b.IPAM ?? {};
  if (ipam.Driver && ipam.Driver !== "default") throw bad("IPAM.Driver", `IPAM driver ${ipam.Driver} is not served: skiffd uses its default IPAM`, "leave --ipam-driver out");
  if (ipam.Options && Object.keys(ipam.Options).length) throw bad("IPAM.Options", "IPAM options are not served by skiffd", "leave --ipam-opt out");
  const configs = ipam.Config ?? [];
  if (configs.length > 1) throw bad("IPAM.Config", "skiffd serves one IPv4 subnet per network", "give --subnet once");
  const c = configs[0] ?? {};
  if (c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length) throw bad("IPAM.Config[0].AuxiliaryAddresses", "--aux-address is not served by skiffd", "leave --aux-address out");
  if (!c.Subnet && (c.Gateway || c.IPRange)) throw bad("IPAM.Config[0].Subnet", `${c.Gateway ? "--gateway" : "--ip-range"} needs --subnet`, "give the network's --subnet too");
  return {
    name: b.Name,
    ...(b.Driver ? { driver: b.Driver } : {}),
    ...(c.Subnet ? { subnet: c.Subnet } : {}),
    ...(c.Gateway ? { gateway: c.Gateway } : {}),
    ...(c.IPRange ? { ipRange: c.IPRange } : {}),
    internal: b.Internal ?? false,
    labels: b.Labels ?? {},
    options: b.Options ?? {},
  };
}

/** docker network ls's and prune's filters, checked as dockerd 28 checks them (filters.Args.Validate,
 *  then its network filter's dangling and type values), in its words: the one check of them (the
 *  engine's filterNetworks and pruneSelection take them as checked here). */
const LIST_FILTERS = ["dangling", "driver", "id", "label", "name", "scope", "type"];
const PRUNE_FILTERS = ["label", "label!", "until"];

function checkFilters(filters: Record<string, string[]>, allowed: string[]): Record<string, string[]> {
  const bad = (message: string, hint: string) => apiError("invalid_argument", "API_FILTERS_INVALID", message, hint);
  for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw bad(`invalid filter '${k}'`, `filter networks by ${allowed.join(", ")}`);
  const dangling = filters.dangling ?? [];
  if (dangling.length > 1) throw bad('got more than one value for filter key "dangling"', "give dangling once");
  if (dangling.length && !["0", "1", "false", "true"].includes(dangling[0]!)) throw bad(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`, "dangling=true or dangling=false");
  for (const v of filters.type ?? []) if (v !== "custom" && v !== "builtin") throw bad(`invalid filter: 'type'='${v}'`, "type is custom or builtin");
  return filters;
}

export const list = endpoint({ query: { filters: filtersQuery } }, (ctx, { query }) => {
  const filters = checkFilters(query.filters, LIST_FILTERS);
  // (no service: no network; dockerd always has its predefined ones, but a test server has none)
  const svc = ctx.containers?.networks;
  return Response.json((svc?.list(filters) ?? []).map((v) => networkJson(v, { containers: false })));
});

export const inspect = endpoint({ query: { verbose: q.bool(), scope: q.string({ maxLength: 32 }) } }, (ctx) => Response.json(networkJson(networksOf(ctx, ctx.params.id!).inspect(ctx.params.id!))));

export const create = endpoint({ query: {}, body: { kind: "json", schema: networkCreateBody, maxBytes: 1 << 20 } }, (ctx, { body }) => {
  const r = networksOf(ctx).create(createRequestOf(body));
  return Response.json({ Id: r.id, Warning: "" }, { status: 201 });
});

export const connect = endpoint({ query: {}, body: { kind: "json", schema: networkConnectBody, maxBytes: 1 << 20 } }, async (ctx, { body }) => {
  await networksOf(ctx, ctx.params.id!).connect(ctx.params.id!, body.Container, endpointConfigOf(body.EndpointConfig, "EndpointConfig"));
  return new Response(null, { status: 200 });
});

export const disconnect = endpoint({ query: {}, body: { kind: "json", schema: networkDisconnectBody, maxBytes: 1 << 20 } }, async (ctx, { body }) => {
  await networksOf(ctx, ctx.params.id!).disconnect(ctx.params.id!, body.Container, body.Force ?? false);
  return new Response(null, { status: 200 });
});

// (dockerd's 403 for the predefined network and one in use is the engine error's own httpStatus)
export const remove = endpoint({ query: {} }, async (ctx) => {
  await networksOf(ctx, ctx.params.id!).remove(ctx.params.id!);
  return new Response(null, { status: 204 });
});

export const prune = endpoint({ query: { filters: filtersQuery } }, async (ctx, { query }) => {
  const filters = checkFilters(query.filters, PRUNE_FILTERS);
  const svc = ctx.containers?.networks;
  const { deleted } = svc ? await svc.prune(filters) : { deleted: [] };
  ctx.containers?.events?.log.emit("network", "prune", "", { reclaimed: "0" }); // dockerd's, even with nothing removed
  return Response.json({ NetworksDeleted: deleted.length ? deleted : null });
});
