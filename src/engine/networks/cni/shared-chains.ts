// The chains every network shares, taken down once nothing uses them: skiffd's SKIFF-ISOLATION-1/2
// (and FORWARD's jump to them) once no network has a rule in them, and portmap's CNI-HOSTPORT-*
// (with the jumps to them) once CNI-HOSTPORT-DNAT maps no port, whoever's. A daemon stopping with
// no container attached leaves no rule behind; the next network's rules, or portmap's next ADD,
// make them again.
import { ISOLATION_1, ISOLATION_2 } from "./network-rules.ts";

async function run(args: string[]): Promise<{ status: number; out: string }> {
  const proc = Bun.spawn({ cmd: ["iptables", "-w", ...args], stdin: "ignore", stdout: "pipe", stderr: "ignore" });
  const [status, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  return { status, out };
}

/** The chain's rules ("-A …" lines), or undefined when the chain is not there. */
async function rules(table: string, chain: string): Promise<string[] | undefined> {
  const r = await run(["-t", table, "-S", chain]);
  return r.status === 0 ? r.out.split("\n").filter((l) => l.startsWith("-A ")) : undefined;
}

/** Deletes every rule of `chains` of `table` whose target is one of `targets` (the jumps to them). */
async function deleteJumps(table: string, chains: string[], targets: string[]): Promise<void> {
  for (const chain of chains)
    for (const line of (await rules(table, chain)) ?? []) {
      const target = / -j (\S+)$/.exec(line)?.[1];
      if (target && targets.includes(target)) await run(["-t", table, "-D", ...ruleArgs(line)]);
    }
}

/** A rule as iptables -S prints it ("-A CHAIN …"), as the arguments of -D: a quoted comment is one. */
export const ruleArgs = (line: string): string[] => line.slice(3).match(/"(?:[^"\\]|\\.)*"|\S+/g)?.map((a) => (a.startsWith('"') ? (JSON.parse(a) as string) : a)) ?? [];

async function removeChains(table: string, chains: string[]): Promise<void> {
  for (const c of chains) await run(["-t", table, "-F", c]);
  for (const c of chains) await run(["-t", table, "-X", c]);
}

/** Takes down the shared chains that nothing uses any more (see above). */
export async function removeIdleSharedChains(): Promise<void> {
  const [one, two] = [await rules("filter", ISOLATION_1), await rules("filter", ISOLATION_2)];
  if (one && two && one.length === 0 && two.length === 0) {
    await deleteJumps("filter", ["FORWARD"], [ISOLATION_1]);
    await removeChains("filter", [ISOLATION_1, ISOLATION_2]);
  }
  const dnat = await rules("nat", "CNI-HOSTPORT-DNAT");
  if (dnat && dnat.length === 0) {
    const hostport = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK"];
    await deleteJumps("nat", ["PREROUTING", "OUTPUT", "POSTROUTING"], hostport);
    await removeChains("nat", hostport);
  }
}
