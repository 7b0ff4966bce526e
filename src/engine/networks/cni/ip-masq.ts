// The bridge plugin's outbound NAT taken down by skiff when the plugin cannot: containernetworking-
// plugins 1.1.1's bridge DEL finds the addresses to un-masquerade on the interface inside the
// namespace, so a DEL with CNI_NETNS="" (the namespace went with the container's process) leaves
// the chain CNI-<hash> and its POSTROUTING jump behind. The names are the plugin's: the chain is
// "CNI-" + the first 24 hex digits of sha512(network name + container id), the rule's comment
// `name: "NETWORK" id: "CONTAINER"` (plugins/pkg/utils FormatChainName, FormatComment).
import { createHash } from "node:crypto";
import { SkiffError } from "../../../common/errors.ts";
import { cleanText } from "./plugin-error.ts";

export const masqChainName = (network: string, containerId: string): string =>
  `CNI-${createHash("sha512").update(network + containerId).digest("hex").slice(0, 24)}`;

const masqComment = (network: string, containerId: string): string => `name: "${network}" id: "${containerId}"`;

async function run(cmd: string[], stdin?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn({ cmd, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [status, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { status, stdout, stderr: cleanText(stderr, 500) };
}

/**
 * Removes the masquerade chain of (network, containerId) and the POSTROUTING rules that jump to it;
 * nothing when the chain is gone. With the container's IPv4 addresses known (the cached result),
 * one iptables-restore; else, or when that rule set does not match, the jumps are found by listing
 * POSTROUTING and removed rule by rule.
 */
export async function teardownIpMasq(network: string, containerId: string, ipv4s: readonly string[]): Promise<void> {
  const chain = masqChainName(network, containerId);
  const comment = masqComment(network, containerId);
  const quoted = JSON.stringify(comment); // iptables-restore reads "…" with \" inside, as iptables-save writes it
  if (ipv4s.length) {
    const script = ["*nat", ...ipv4s.map((ip) => `-D POSTROUTING -s ${ip}/32 -m comment --comment ${quoted} -j ${chain}`), `-F ${chain}`, `-X ${chain}`, "COMMIT", ""].join("\n");
    if ((await run(["iptables-restore", "-w", "--noflush"], script)).status === 0) return;
  }
  if ((await run(["iptables", "-w", "-t", "nat", "-S", chain])).status !== 0) return; // already gone
  const listing = await run(["iptables", "-w", "-t", "nat", "-S", "POSTROUTING"]);
  const sources = listing.stdout.split("\n").filter((l) => l.endsWith(` -j ${chain}`)).map((l) => /-s (\S+)/.exec(l)?.[1]).filter((s): s is string => !!s);
  for (const source of new Set([...sources, ...ipv4s.map((ip) => `${ip}/32`)])) {
    await run(["iptables", "-w", "-t", "nat", "-D", "POSTROUTING", "-s", source, "-m", "comment", "--comment", comment, "-j", chain]);
  }
  await run(["iptables", "-w", "-t", "nat", "-F", chain]);
  const x = await run(["iptables", "-w", "-t", "nat", "-X", chain]);
  if (x.status !== 0) {
    throw new SkiffError({
      layer: "engine", code: "ENGINE_CNI_FAILED", kind: "failed_precondition",
      message: `CNI DEL of plugin bridge: remove the masquerade chain ${chain} of container ${containerId}: ${x.stderr || `iptables exited with status ${x.status}`}`,
      hint: `a rule still jumps to it: iptables -t nat -S | grep ${chain}`,
      details: { plugin: "bridge", command: "DEL", chain },
    });
  }
}
