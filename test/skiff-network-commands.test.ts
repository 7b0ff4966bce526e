// skiff network's subcommands against docker 28's, on fake daemons: the requests both CLIs send
// (method, path, query, body) must be the same; what docker 28 refuses before sending anything,
// skiff refuses too, with docker's words. (What the daemon answers and how it is printed is tested
// against skiffd itself: test/skiffd-networks-api.test.ts and test/skiffd-networks.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import type { FakeDaemon } from "../src/api/testing/fake-daemon.ts";
import { DOCKER_28, runCli, startFake, type CliResult } from "./harness/container-clis.ts";

const fakes: FakeDaemon[] = [];
afterAll(async () => {
  for (const f of fakes) await f.stop();
});

type Sent = { method: string; path: string; query: unknown; body: unknown }[];

async function run(which: "docker" | "skiff", args: string[]): Promise<{ result: CliResult; sent: Sent }> {
  const d = await startFake();
  fakes.push(d);
  const result = await runCli(which, d, args, { input: "y\n" });
  // docker 28's rm looks the network up first (for its ingress prompt): not a request skiff needs
  const sent = d.calls(/^(POST|DELETE|GET) \/networks/).filter((c) => !(c.method === "GET" && args[1] === "rm")).map((c) => ({ method: c.method, path: c.path, query: c.query, body: c.body }));
  return { result, sent };
}

const SAME: [string, string[]][] = [
  ["create NAME", ["network", "create", "n1"]],
  ["create with subnet, gateway, range, internal, labels, options, driver", ["network", "create", "--subnet", "10.5.0.0/16", "--gateway", "10.5.0.1", "--ip-range", "10.5.1.0/24", "--internal", "--label", "a=b", "--label", "c", "-o", "com.docker.network.bridge.name=br9", "-o", "bare", "-d", "bridge", "n2"]],
  ["create with a subnet the daemon will refuse", ["network", "create", "--subnet", "x", "n3"]],
  ["create --ipv6 --attachable --scope --ipam-driver --ipam-opt --aux-address", ["network", "create", "--ipv6", "--attachable", "--scope", "local", "--ipam-driver", "default", "--ipam-opt", "a=b", "--subnet", "10.1.0.0/16", "--aux-address", "h=10.1.0.9", "n4"]],
  ["create with two subnets and comma lists", ["network", "create", "--subnet", "10.1.0.0/16,10.2.0.0/16", "--gateway", "10.2.0.1", "--gateway", "10.1.0.1", "n5"]],
  ["connect", ["network", "connect", "n1", "c1"]],
  ["connect --alias --ip --driver-opt", ["network", "connect", "--alias", "x", "--alias", "y,z", "--ip", "10.5.0.9", "--driver-opt", "k=v", "n1", "c1"]],
  ["disconnect", ["network", "disconnect", "n1", "c1"]],
  ["disconnect -f", ["network", "disconnect", "-f", "n1", "c1"]],
  ["ls", ["network", "ls"]],
  ["ls with filters", ["network", "ls", "--filter", "name=x", "-f", "label=a=b", "-q"]],
  ["inspect", ["network", "inspect", "n1", "n2"]],
  ["rm", ["network", "rm", "n1", "n2"]],
  ["prune -f with a filter", ["network", "prune", "-f", "--filter", "label=a"]],
  ["prune answered y", ["network", "prune"]],
];

const REFUSED: [string, string[]][] = [
  ["a gateway without a subnet", ["network", "create", "--gateway", "10.1.0.1", "n"]],
  ["a range outside the subnet", ["network", "create", "--subnet", "10.1.0.0/16", "--ip-range", "10.2.0.0/24", "n"]],
  ["a gateway outside the subnet", ["network", "create", "--subnet", "10.1.0.0/16", "--gateway", "10.2.0.1", "n"]],
  ["an aux address outside the subnet", ["network", "create", "--subnet", "10.1.0.0/16", "--aux-address", "h=1.2.3.4", "n"]],
  ["overlapping subnets", ["network", "create", "--subnet", "10.1.0.0/16", "--subnet", "10.1.2.0/24", "n"]],
  ["two gateways for one subnet", ["network", "create", "--subnet", "10.1.0.0/16", "--gateway", "10.1.0.1", "--gateway", "10.1.0.2", "--subnet", "10.9.0.0/16", "n"]],
];

/** A create's IPAM.Config by subnet: docker's CLI builds the list from a Go map, so its order
 *  changes from run to run (the test failed once, 10.2.0.0/16 before 10.1.0.0/16). */
function ipamInOrder(c: Sent[number]): Sent[number] {
  const ipam = (c.body as { IPAM?: { Config?: { Subnet?: string }[] } } | undefined)?.IPAM;
  if (!ipam?.Config) return c;
  return { ...c, body: { ...(c.body as object), IPAM: { ...ipam, Config: [...ipam.Config].sort((a, b) => String(a.Subnet).localeCompare(String(b.Subnet))) } } };
}

const outcomes = new Map<string, { docker: Awaited<ReturnType<typeof run>>; skiff: Awaited<ReturnType<typeof run>> }>();

describe.skipIf(!existsSync(DOCKER_28))("skiff network sends what docker 28 sends", () => {
  beforeAll(async () => {
    await Promise.all([...SAME, ...REFUSED].map(async ([name, args]) => outcomes.set(name, { docker: await run("docker", args), skiff: await run("skiff", args) })));
  }, 300_000);

  test.each(SAME)("%s", (name) => {
    const { docker, skiff } = outcomes.get(name)!;
    expect(docker.sent.length).toBeGreaterThan(0);
    expect(skiff.sent.map(ipamInOrder)).toEqual(docker.sent.map(ipamInOrder));
  });

  test.each(REFUSED)("refused before any request: %s", (name) => {
    const { docker, skiff } = outcomes.get(name)!;
    expect([docker.result.status, docker.sent]).toEqual([1, []]);
    expect([skiff.result.status, skiff.sent]).toEqual([1, []]);
    expect(skiff.result.stderr).toContain(docker.result.stderr.trim().split("\n")[0]!);
  });
});
