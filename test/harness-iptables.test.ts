// The harness's iptables check itself: a rule or chain for a container left by a test is seen
// (the leak check after every test compares these), and the chains the plugins and skiffd share
// are told apart from it (the run removes those at its end, when it made them).
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { deleteRules, isShared } from "./harness/iptables-leaks.ts";
import { leaked, RUN_TAG, snapshot } from "./harness/leaks.ts";

const must = (...args: string[]) => {
  const r = spawnSync("iptables", ["-w", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`iptables ${args.join(" ")}: ${r.stderr}`);
};

test("a container's chain and rule left behind are a leak, and deleteRules removes them; another stack's are not the run's", () => {
  const chain = `CNI-DN-skifftest${process.pid}`.slice(0, 28);
  const foreign = `CNI-DN-other${process.pid}`.slice(0, 28);
  const before = snapshot();
  must("-t", "nat", "-N", chain);
  must("-t", "nat", "-A", chain, "-p", "tcp", "-m", "comment", "--comment", `dnat name: "${RUN_TAG}-harness" id: "x"`, "-j", "RETURN");
  // a skiffd of a user's on the same machine: its rules are no leak of the run's, and no sweep's
  must("-t", "nat", "-N", foreign);
  must("-t", "nat", "-A", foreign, "-p", "udp", "-m", "comment", "--comment", `dnat name: "someone-elses" id: "y"`, "-j", "RETURN");
  try {
    const left = leaked(before, snapshot()).filter((l) => l.startsWith("iptables: "));
    expect(left).toEqual([`iptables: nat: :${chain} - `.trimEnd(), `iptables: nat: -A ${chain} -p tcp -m comment --comment "dnat name: \\"${RUN_TAG}-harness\\" id: \\"x\\"" -j RETURN`]);
    deleteRules(left.map((l) => l.slice("iptables: ".length)));
    expect(leaked(before, snapshot())).toEqual([]);
  } finally {
    spawnSync("iptables", ["-w", "-t", "nat", "-F", foreign]);
    spawnSync("iptables", ["-w", "-t", "nat", "-X", foreign]);
  }
});

test("the shared chains' own lines are not a container's; a container's lines in them are", () => {
  for (const line of [
    ":CNI-HOSTPORT-DNAT - ",
    ":SKIFF-ISOLATION-1 -",
    "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
    '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
    "-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE",
    "-A FORWARD -j SKIFF-ISOLATION-1",
    '-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN',
  ])
    expect([line, isShared(line)]).toEqual([line, true]);
  for (const line of [
    "-A CNI-FORWARD -s 10.199.23.89/32 -j ACCEPT",
    '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"n\\" id: \\"c\\"" -m multiport --dports 80 -j CNI-DN-0123',
    '-A SKIFF-ISOLATION-1 -i sk-0123 ! -o sk-0123 -m comment --comment "skiff network 0123" -j SKIFF-ISOLATION-2',
    ":CNI-DN-0123 -",
  ])
    expect([line, isShared(line)]).toEqual([line, false]);
});
