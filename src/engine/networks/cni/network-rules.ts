// A network's iptables rules made once for the whole network, as dockerd does, instead of by the
// bridge plugin's ipMasq and the firewall plugin for every container: measured here (plugins
// 1.1.1, iptables-nft), bridge's ipMasq costs 9 iptables execs per ADD (one of them an `iptables
// -t nat -S` of the whole table) and the firewall plugin 9 more, two `-S` among them; and bridge's
// DEL without a namespace leaves its masquerade chain (ip-masq.ts). Used with bridgeConflist's
// `networkRules: true`. The rules, each marked with the comment "skiff network <id>":
//   nat     POSTROUTING -s SUBNET ! -o BRIDGE -j MASQUERADE          (not for --internal, nor with
//                                                                     enable_ip_masquerade=false)
//   filter  FORWARD -o BRIDGE -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
//   filter  FORWARD -i BRIDGE -j ACCEPT                               (not for --internal)
//   filter  FORWARD -i BRIDGE -o BRIDGE -j DROP                       (enable_icc=false)
//   filter  FORWARD -i BRIDGE ! -o BRIDGE -j DROP, -o BRIDGE ! -i BRIDGE -j DROP   (--internal)
// and networks are isolated from each other as dockerd's DOCKER-ISOLATION chains do it: FORWARD
// jumps first to SKIFF-ISOLATION-1, where traffic coming in on a network's bridge and going out on
// another goes to SKIFF-ISOLATION-2, where traffic going out on any network's bridge is dropped.
//   filter  SKIFF-ISOLATION-1 -i BRIDGE ! -o BRIDGE -j SKIFF-ISOLATION-2
//   filter  SKIFF-ISOLATION-2 -o BRIDGE -j DROP
// Forwarding to a published port's container is accepted as the firewall plugin does it: by the
// FORWARD policy (ACCEPT unless another program such as dockerd set DROP) or the RELATED rule.
import { SkiffError } from "../../../common/errors.ts";
import type { NetworkRecord } from "../record.ts";
import { cleanText } from "./plugin-error.ts";

type Rule = { table: "nat" | "filter"; chain: string; spec: string[] };

export const ISOLATION_1 = "SKIFF-ISOLATION-1";
export const ISOLATION_2 = "SKIFF-ISOLATION-2";

/** docker's bridge driver options that change the rules ("false" turns them off). */
const off = (record: NetworkRecord, option: string) => record.options[`com.docker.network.bridge.${option}`] === "false";

export function networkRules(record: NetworkRecord): Rule[] {
  const mark = ["-m", "comment", "--comment", `skiff network ${record.id}`];
  const br = record.bridge;
  const rules: Rule[] = [
    { table: "filter", chain: ISOLATION_1, spec: ["-i", br, "!", "-o", br, ...mark, "-j", ISOLATION_2] },
    { table: "filter", chain: ISOLATION_2, spec: ["-o", br, ...mark, "-j", "DROP"] },
    { table: "filter", chain: "FORWARD", spec: ["-o", br, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", ...mark, "-j", "ACCEPT"] },
  ];
  if (record.internal) {
    rules.push({ table: "filter", chain: "FORWARD", spec: ["-i", br, "!", "-o", br, ...mark, "-j", "DROP"] });
    rules.push({ table: "filter", chain: "FORWARD", spec: ["-o", br, "!", "-i", br, ...mark, "-j", "DROP"] });
  } else {
    rules.push({ table: "filter", chain: "FORWARD", spec: ["-i", br, ...mark, "-j", "ACCEPT"] });
    if (!off(record, "enable_ip_masquerade")) rules.push({ table: "nat", chain: "POSTROUTING", spec: ["-s", record.subnet, "!", "-o", br, ...mark, "-j", "MASQUERADE"] });
  }
  // (inserted last, so first in FORWARD: before this network's ACCEPT)
  if (off(record, "enable_icc")) rules.push({ table: "filter", chain: "FORWARD", spec: ["-i", br, "-o", br, ...mark, "-j", "DROP"] });
  return rules;
}

async function iptables(args: string[]): Promise<{ status: number; stderr: string }> {
  const proc = Bun.spawn({ cmd: ["iptables", "-w", ...args], stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [status, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  return { status, stderr: cleanText(stderr, 500) };
}

function failed(record: NetworkRecord, action: string, how: string): SkiffError {
  return new SkiffError({
    layer: "engine", code: "ENGINE_NETWORK_RULES", kind: "failed_precondition",
    message: `${action} the iptables rules of network ${record.name}: ${how}`,
    hint: "check that iptables works here: iptables -t nat -S POSTROUTING",
    details: { network: record.id, bridge: record.bridge },
  });
}

/** The isolation chains and FORWARD's jump to the first, as the first rule of FORWARD (the
 *  networks' own rules are inserted at the top too: the jump goes back above them). */
async function ensureIsolation(record: NetworkRecord): Promise<void> {
  const first = await iptables(["-t", "filter", "-C", "FORWARD", "-j", ISOLATION_1]);
  if (first.status === 0) while ((await iptables(["-t", "filter", "-D", "FORWARD", "-j", ISOLATION_1])).status === 0) {}
  const add = await iptables(["-t", "filter", "-I", "FORWARD", "1", "-j", ISOLATION_1]);
  if (add.status !== 0) throw failed(record, "add", add.stderr || `iptables exited with status ${add.status}`);
}

/** Adds the rules that are missing (inserted first in FORWARD, before other programs' DROP rules). */
export async function ensureNetworkRules(record: NetworkRecord): Promise<void> {
  for (const chain of [ISOLATION_1, ISOLATION_2]) if ((await iptables(["-t", "filter", "-S", chain])).status !== 0) await iptables(["-t", "filter", "-N", chain]);
  for (const r of networkRules(record)) {
    if ((await iptables(["-t", r.table, "-C", r.chain, ...r.spec])).status === 0) continue;
    const add = await iptables(["-t", r.table, r.chain === "FORWARD" ? "-I" : "-A", r.chain, ...r.spec]);
    if (add.status !== 0) throw failed(record, "add", add.stderr || `iptables exited with status ${add.status}`);
  }
  await ensureIsolation(record);
}

/** Removes the rules (every copy); those already gone are fine. */
export async function removeNetworkRules(record: NetworkRecord): Promise<void> {
  for (const r of networkRules(record)) {
    while ((await iptables(["-t", r.table, "-D", r.chain, ...r.spec])).status === 0) {}
  }
}
