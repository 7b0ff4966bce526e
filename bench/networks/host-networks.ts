// What the engines of bench/networks.ts leave on the host's network when they have stopped, and
// its removal: dockerd leaves docker0 and its DOCKER* iptables chains (with the jumps to them and
// its MASQUERADE rule), podman's CNI network its cni-podman0 bridge and host-local's reservations
// under /var/lib/cni, skiffd the run's default bridge and that bridge's rules. Only what was not
// there when the run began is removed, and of the rules only those naming docker's chains or
// bridge: other sessions on this machine make and remove rules of their own meanwhile.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { removeRunBridgeRules, removeSharedChains, sharedChains } from "../../test/harness/iptables-leaks.ts";
import { TEST_BRIDGE } from "../../test/harness/leaks.ts";

const DOCKER_BRIDGE = "docker0";
const PODMAN_BRIDGE = "cni-podman0";
const CNI_STATE = "/var/lib/cni";
const PODMAN_IPAM = "/var/lib/cni/networks/podman";
/** docker's chains (DOCKER, DOCKER-USER, DOCKER-ISOLATION-STAGE-1/2) and its bridge, in a rule. */
const DOCKERS = /\bDOCKER[\w-]*\b|\bdocker0\b/;

type Tables = Map<string, { chains: Set<string>; rules: string[]; policies: Map<string, string> }>;

export interface HostNetworks {
  links: Set<string>;
  paths: Set<string>;
  tables: Tables;
  /** net.ipv4.ip_forward: dockerd turns it on (and FORWARD's policy to DROP) when it was off. */
  ipForward: string;
  /** The chains the CNI plugins and skiffd share (portmap's, skiffd's isolation chains) that were there. */
  shared: Set<string>;
}

const readSafe = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

function iptables(): Tables {
  const tables: Tables = new Map();
  let current: ReturnType<Tables["get"]>;
  for (const line of (spawnSync("iptables-save", [], { encoding: "utf8" }).stdout ?? "").split("\n")) {
    if (line.startsWith("*")) tables.set(line.slice(1), (current = { chains: new Set(), rules: [], policies: new Map() }));
    else if (current && line.startsWith(":")) {
      const [chain, policy] = line.slice(1).split(" ");
      current.chains.add(chain!);
      if (policy !== "-") current.policies.set(chain!, policy!);
    } else if (current && line.startsWith("-A ")) current.rules.push(line);
  }
  return tables;
}

/** The host's network as the run finds it. */
export function hostNetworks(): HostNetworks {
  return {
    links: new Set([DOCKER_BRIDGE, PODMAN_BRIDGE, TEST_BRIDGE].filter((l) => existsSync(`/sys/class/net/${l}`))),
    paths: new Set([CNI_STATE, PODMAN_IPAM].filter((p) => existsSync(p))),
    tables: iptables(),
    ipForward: readSafe("/proc/sys/net/ipv4/ip_forward").trim(),
    shared: sharedChains(),
  };
}

/** `-A CHAIN args…` from iptables-save as argv for `iptables -D` (quoted args unquoted). */
const ruleArgs = (rule: string) => rule.slice(3).match(/"(?:[^"\\]|\\.)*"|\S+/g)!.map((a) => (a.startsWith('"') ? (JSON.parse(a) as string) : a));

function ipt(notes: string[], ...argv: string[]): void {
  const r = spawnSync("iptables", ["-w", ...argv], { encoding: "utf8" });
  if (r.status !== 0) notes.push(`iptables ${argv.join(" ")}: ${(r.stderr ?? "").trim()}`);
}

/** Removes what the stopped engines left on the host's network since `before`; returns notes on
 *  what it removed or could not. Call once every engine has stopped. */
export function removeEngineNetworks(before: HostNetworks): string[] {
  const notes: string[] = [];
  // skiffd's default bridge for the run (made at its first container, as dockerd makes docker0)
  if (existsSync(`/sys/class/net/${TEST_BRIDGE}`)) spawnSync("ip", ["link", "delete", TEST_BRIDGE]);
  removeRunBridgeRules(TEST_BRIDGE);
  removeSharedChains(before.shared);
  // dockerd's chains and rules, unless another dockerd keeps them (they were there before)
  const now = iptables();
  for (const [table, t] of now) {
    const old = before.tables.get(table);
    const rules = t.rules.filter((r) => DOCKERS.test(r) && !old?.rules.includes(r));
    for (const rule of rules.reverse()) ipt(notes, "-t", table, "-D", ...ruleArgs(rule));
    const chains = [...t.chains].filter((c) => /^DOCKER/.test(c) && !old?.chains.has(c));
    for (const c of chains) ipt(notes, "-t", table, "-F", c);
    for (const c of chains) ipt(notes, "-t", table, "-X", c);
    if (rules.length || chains.length) notes.push(`dockerd's iptables (${table}): ${rules.length} rules and ${chains.length} chains removed`);
    for (const [chain, policy] of old?.policies ?? [])
      if (t.policies.get(chain) !== policy) {
        ipt(notes, "-t", table, "-P", chain, policy);
        notes.push(`${table} ${chain}: policy ${t.policies.get(chain)} put back to ${policy}`);
      }
  }
  if (before.ipForward === "0") writeFileSync("/proc/sys/net/ipv4/ip_forward", "0");
  for (const link of [DOCKER_BRIDGE, PODMAN_BRIDGE]) {
    if (before.links.has(link) || !existsSync(`/sys/class/net/${link}`)) continue;
    const r = spawnSync("ip", ["link", "delete", link], { encoding: "utf8" });
    notes.push(r.status === 0 ? `${link} removed` : `${link}: ip link delete: ${(r.stderr ?? "").trim()}`);
  }
  for (const path of [CNI_STATE, PODMAN_IPAM])
    if (!before.paths.has(path) && existsSync(path)) {
      rmSync(path, { recursive: true, force: true });
      notes.push(`${path} removed`);
      break; // the first is the second's parent
    }
  return notes;
}

const ipv4 = (cidr: string): { net: number; prefix: number } | undefined => {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const prefix = Number(m[5]);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { net: ((((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0) & mask) >>> 0, prefix };
};

/** Routes through other devices that take the host's packets for the engines' bridges' subnets
 *  (docker0, cni-podman0, the run's skiffd bridge): as specific or more, they win, and the
 *  host cannot reach those containers (another session's bridge on podman's 10.88.0.0/16, say). */
export function routeClashes(): string[] {
  const ours = [DOCKER_BRIDGE, PODMAN_BRIDGE, TEST_BRIDGE];
  let routes: { dst: string; dev?: string }[] = [];
  try {
    routes = JSON.parse(spawnSync("ip", ["-j", "route"], { encoding: "utf8" }).stdout || "[]");
  } catch {}
  const out: string[] = [];
  for (const o of routes.filter((r) => r.dev && ours.includes(r.dev))) {
    const a = ipv4(o.dst);
    if (!a) continue;
    for (const r of routes) {
      const b = ipv4(r.dst);
      if (!b || r.dev === o.dev || b.prefix < a.prefix) continue;
      const mask = a.prefix === 0 ? 0 : (~0 << (32 - a.prefix)) >>> 0;
      if (((b.net & mask) >>> 0) === a.net) out.push(`${r.dst} on ${r.dev} shadows ${o.dst} on ${o.dev}`);
    }
  }
  return out;
}
