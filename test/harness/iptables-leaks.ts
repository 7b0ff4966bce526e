// The iptables lines a test may leave behind: the CNI plugins' and skiffd's rules and chains for
// a container or a network (every line naming CNI, SKIFF or "skiff network"). Not a test's: the
// chains the plugins and skiffd share between containers and networks and make on first use
// (portmap's CNI-HOSTPORT-*, the firewall plugin's CNI-FORWARD and CNI-ADMIN, skiffd's
// SKIFF-ISOLATION-1/2), the jumps to them and the fixed rules in them — the run removes those at
// its end if it made them (removeSharedChains) — and the rules of the run's default bridge, which
// stays for the run as its device does (removed at its end by removeRunBridgeRules).
import { ruleArgs } from "../../src/engine/networks/cni/shared-chains.ts";

const SHARED = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK", "CNI-FORWARD", "CNI-ADMIN", "SKIFF-ISOLATION-1", "SKIFF-ISOLATION-2"];
const SHARED_DECLARATION = new RegExp(`^:(${SHARED.join("|")}) `);
const JUMP_TO_SHARED = new RegExp(`^-A \\S+ .*-j (${SHARED.join("|")})$`);
/** portmap's fixed rules in its own chains. */
const FIXED = [/^-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000\/0x2000 -j MASQUERADE$/, /^-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000\/0x2000$/];

/** Every line naming CNI or skiff, by table, counters left out (":CHAIN POLICY [0:0]" → ":CHAIN POLICY"). */
function cniLines(): { table: string; line: string }[] {
  const r = Bun.spawnSync(["iptables-save"], { stdout: "pipe", stderr: "ignore" });
  const out: { table: string; line: string }[] = [];
  let table = "";
  for (const raw of r.stdout.toString().split("\n")) {
    if (raw.startsWith("*")) table = raw.slice(1);
    else if (/CNI|SKIFF|skiff network/.test(raw)) out.push({ table, line: raw.replace(/ \[\d+:\d+\]$/, "") });
  }
  return out;
}

/** A line of the shared chains: their declaration, a jump to one (no container or network named), a fixed rule. */
export const isShared = (line: string): boolean =>
  SHARED_DECLARATION.test(line) || (JUMP_TO_SHARED.test(line) && !/name: |skiff network/.test(line)) || FIXED.some((f) => f.test(line));

/** The network a line names: skiffd's "skiff network ID" or a CNI plugin's "name: \"ID\"". */
const networkNamed = (line: string): string | undefined => /skiff network (\S+?)"/.exec(line)?.[1] ?? /name: \\"([^\\"]+)\\"/.exec(line)?.[1];

/**
 * The lines for this run's containers and networks, as "TABLE: LINE", but those of the run's
 * default bridge `runBridge`: each line naming one of `ours` (network ids or names) or the run's
 * bridge, and the per-container chains (portmap's CNI-DN-…, CNI-SN-…) those lines jump to. Another
 * stack's rules on the same machine (a skiffd of a user's, a second test run) are not the run's to
 * count or sweep: a trial lost its daemon's NAT rules to a sweep that took them for leftovers.
 */
export function containerRules(runBridge: string, ours: (network: string) => boolean): string[] {
  const lines = cniLines().filter(({ line }) => !isShared(line));
  const mine = ({ line }: { line: string }) => line.includes(` ${runBridge} `) || ((n) => n !== undefined && ours(n))(networkNamed(line));
  const chains = new Set<string>();
  for (const l of lines) {
    if (!mine(l)) continue;
    for (const m of l.line.matchAll(/ -j (CNI-[A-Z]+-[0-9a-f]+)/g)) chains.add(m[1]!);
    // (a per-container chain holding one of ours: its declaration and other rules are ours too)
    const own = /^-A (CNI-\S+) /.exec(l.line)?.[1];
    if (own && !SHARED.includes(own)) chains.add(own);
  }
  const inChain = (line: string) => [...chains].some((c) => line.startsWith(`:${c} `) || line.startsWith(`-A ${c} `));
  return lines
    .filter((l) => (mine(l) || inChain(l.line)) && !l.line.includes(` ${runBridge} `))
    .map(({ table, line }) => `${table}: ${line}`);
}

const iptables = (table: string, args: string[]) => Bun.spawnSync(["iptables", "-w", "-t", table, ...args], { stdout: "ignore", stderr: "ignore" });

/** The arguments of a rule as iptables-save prints it ("-A CHAIN ARGS…", with quoted comments). */

/** Removes lines of containerRules(): their rules first, then the chains they declared. */
export function deleteRules(rules: readonly string[]): void {
  const parsed = rules.map((r) => ({ table: r.slice(0, r.indexOf(":")), line: r.slice(r.indexOf(":") + 2) }));
  for (const { table, line } of parsed) if (line.startsWith("-A ")) iptables(table, ["-D", ...ruleArgs(line)]);
  for (const { table, line } of parsed)
    if (line.startsWith(":")) {
      const chain = line.slice(1).split(" ")[0]!;
      iptables(table, ["-F", chain]);
      iptables(table, ["-X", chain]);
    }
}

/** The shared chains there now, as "TABLE CHAIN". */
export function sharedChains(): Set<string> {
  return new Set(cniLines().flatMap(({ table, line }) => (SHARED_DECLARATION.test(line) ? [`${table} ${line.slice(1).split(" ")[0]}`] : [])));
}

/** Removes the shared chains that are there now and were not in `before` (the run made them): the
 *  jumps to them, then their rules, then the chains. */
export function removeSharedChains(before: Set<string>): void {
  const made = [...sharedChains()].filter((c) => !before.has(c)).map((c) => ({ table: c.split(" ")[0]!, chain: c.split(" ")[1]! }));
  if (!made.length) return;
  for (const { table, line } of cniLines()) {
    const target = / -j (\S+)$/.exec(line)?.[1];
    if (line.startsWith("-A ") && made.some((m) => m.table === table && m.chain === target)) iptables(table, ["-D", ...ruleArgs(line)]);
  }
  for (const { table, chain } of made) iptables(table, ["-F", chain]);
  for (const { table, chain } of made) iptables(table, ["-X", chain]);
}

/** The rules skiffd made for the run's default bridge (its device's name is in each): they go with it at the run's end. */
export function removeRunBridgeRules(runBridge: string): void {
  deleteRules(cniLines().filter(({ line }) => line.startsWith("-A ") && line.includes(` ${runBridge} `) && line.includes("skiff network")).map(({ table, line }) => `${table}: ${line}`));
}
