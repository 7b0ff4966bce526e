// CniNetwork over the real plugins in /usr/lib/cni (as root): a bridge made for the test, a network
// namespace per container, a private subnet. Addresses, fixed IP and MAC, a published port reached
// from the host, DEL's clean-up of rules, addresses and cache (also once the namespace is gone),
// and the errors of plugins that fail, hang or print garbage.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../src/common/errors.ts";
import { bridgeConflist } from "../src/engine/networks/cni/conflist.ts";
import { CniNetwork } from "../src/engine/networks/cni/cni-network.ts";
import { execPlugin } from "../src/engine/networks/cni/exec-plugin.ts";

/** nat rules that masquerade for the container (the bridge plugin's ipMasq made a chain per container; skiff's conflist asks for none). */
const masqueradeFor = (id: string) => must(["iptables", "-t", "nat", "-S"]).split("\n").filter((l) => l.includes(`id: \\"${id}\\"`) && l.includes("MASQUERADE"));
import { ensureNetworkRules, removeNetworkRules } from "../src/engine/networks/cni/network-rules.ts";
import type { NetworkRecord } from "../src/engine/networks/record.ts";
import { RUN_TAG } from "./harness/leaks.ts";

const BRIDGE = `sktest${process.pid % 1_000_000}`;
/** A second network whose bridge is made by a failing first ADD. */
const FRESH_BRIDGE = `sktfresh${process.pid % 1_000_000}`;
const OCTET = 20 + (process.pid % 200);
const SUBNET = `10.199.${OCTET}.0/24`;
const GATEWAY = `10.199.${OCTET}.1`;
const NETWORK_ID = `${RUN_TAG}-cni`;
const DIR = `/tmp/${RUN_TAG}/cni`;
const IPAM = join(DIR, "ipam");
const CACHE = join(DIR, "cache");
const FAKES = join(DIR, "fake-plugins");
const HOST_PORT = 20000 + (process.pid % 10000);

const record: NetworkRecord = {
  id: NETWORK_ID, name: NETWORK_ID, driver: "bridge", created: "2026-12-05T00:00:00Z", bridge: BRIDGE,
  subnet: SUBNET, gateway: GATEWAY, internal: false, labels: {}, options: {}, predefined: false,
};
const conflist = bridgeConflist(record, { ipamDataDir: IPAM });
const net = new CniNetwork(conflist, { cacheDir: CACHE });

function sh(cmd: string[]): { status: number; out: string; err: string } {
  const p = Bun.spawnSync({ cmd, stdout: "pipe", stderr: "pipe" });
  return { status: p.exitCode ?? -1, out: p.stdout.toString(), err: p.stderr.toString() };
}
const must = (cmd: string[]): string => {
  const r = sh(cmd);
  if (r.status !== 0) throw new Error(`${cmd.join(" ")}: ${r.err}`);
  return r.out;
};

let nsCount = 0;
/** A named network namespace for one test ("ip netns add"), with its path. */
function makeNetns(): { name: string; path: string; remove: () => void } {
  const name = `${RUN_TAG}-cni-${++nsCount}`;
  must(["ip", "netns", "add", name]);
  must(["ip", "-n", name, "link", "set", "lo", "up"]);
  return { name, path: `/run/netns/${name}`, remove: () => void sh(["ip", "netns", "del", name]) };
}

/** This test's iptables lines: those naming its network, its subnet or one of its chains. */
const chainsSeen = new Set<string>();
function ownRules(): string[] {
  const lines = must(["iptables-save"]).split("\n").filter((l) => l && !l.startsWith("#"));
  const own = lines.filter((l) => l.includes(NETWORK_ID) || l.includes(`10.199.${OCTET}.`) || l.includes(`10.198.${OCTET}.`) || l.includes(BRIDGE) || l.includes(FRESH_BRIDGE) || [...chainsSeen].some((c) => l.includes(c)));
  for (const l of own) for (const m of l.matchAll(/CNI-(?:DN-)?[0-9a-f]{20,}/g)) chainsSeen.add(m[0]);
  return own;
}

const reserved = (): string[] => (existsSync(join(IPAM, NETWORK_ID)) ? readdirSync(join(IPAM, NETWORK_ID)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []);
const cacheFiles = (): string[] => (existsSync(CACHE) ? readdirSync(CACHE) : []);
const rulesBefore = ownRules();

beforeAll(() => {
  mkdirSync(FAKES, { recursive: true });
  const fake = (name: string, body: string) => {
    writeFileSync(join(FAKES, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(FAKES, name), 0o755);
  };
  fake("fails", `echo '{"cniVersion":"1.0.0","code":7,"msg":"the fake plugin refuses","details":"on purpose"}'; exit 1`);
  fake("hangs", "exec sleep 30");
  fake("garbage", `echo 'this is not { json'; exit 0`);
  fake("silent-exit", `echo oops >&2; exit 3`);
  // prints its prevResult back (as a chained plugin does) and keeps what it was given
  writeFileSync(join(FAKES, "recorder"), `#!${process.execPath}
const input = await Bun.stdin.text();
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("CNI_")));
require("node:fs").writeFileSync("${FAKES}/recorded-" + process.env.CNI_COMMAND + ".json", JSON.stringify({ input: JSON.parse(input), env }));
if (process.env.CNI_COMMAND === "ADD") console.log(JSON.stringify(JSON.parse(input).prevResult));
`);
  chmodSync(join(FAKES, "recorder"), 0o755);
  mkdirSync(join(FAKES, "broken-portmap"));
  fake("broken-portmap/portmap", `echo '{"cniVersion":"1.0.0","code":999,"msg":"portmap ran"}'; exit 1`);
});

afterAll(() => {
  sh(["ip", "link", "del", BRIDGE]);
  sh(["ip", "link", "del", FRESH_BRIDGE]);
  for (let i = 1; i <= nsCount; i++) sh(["ip", "netns", "del", `${RUN_TAG}-cni-${i}`]);
  expect(ownRules()).toEqual(rulesBefore);
});

describe("CniNetwork over /usr/lib/cni", () => {
  test("ADD gives eth0 an address in the subnet with the gateway; DEL takes away rules, address and cache", async () => {
    const ns = makeNetns();
    try {
      const ep = await net.add({ containerId: "c1", netns: ns.path, ifName: "eth0" });
      expect(ep.ip.startsWith(`10.199.${OCTET}.`)).toBe(true);
      expect(ep).toMatchObject({ prefixLength: 24, gateway: GATEWAY, ifName: "eth0" });
      expect(must(["ip", "-n", ns.name, "-4", "-o", "addr", "show", "eth0"])).toContain(`inet ${ep.ip}/24`);
      expect(must(["ip", "-n", ns.name, "link", "show", "eth0"])).toContain(`link/ether ${ep.mac}`);
      expect(must(["ip", "-n", ns.name, "route"])).toContain(`default via ${GATEWAY} dev eth0`);
      // no rule per container: outbound NAT and forwarding are the network's own rules (network-rules.ts)
      expect(ownRules()).toEqual(rulesBefore);
      expect(reserved()).toEqual([ep.ip]);
      expect(cacheFiles()).toEqual([`${NETWORK_ID}-c1-eth0.json`]);
      await net.check({ containerId: "c1", netns: ns.path, ifName: "eth0" });
      await net.del({ containerId: "c1", netns: ns.path, ifName: "eth0" });
      expect(ownRules()).toEqual(rulesBefore);
      expect(reserved()).toEqual([]);
      expect(cacheFiles()).toEqual([]);
      expect(sh(["ip", "-n", ns.name, "link", "show", "eth0"]).status).not.toBe(0);
      await net.del({ containerId: "c1", netns: ns.path, ifName: "eth0" }); // twice is fine
    } finally {
      ns.remove();
    }
  });

  test("a fixed IP and MAC are honoured, and the same IP can be taken again after DEL", async () => {
    const ip = `10.199.${OCTET}.77`;
    const mac = "02:42:0a:c7:00:4d";
    for (const containerId of ["fixed1", "fixed2"]) {
      const ns = makeNetns();
      try {
        const ep = await net.add({ containerId, netns: ns.path, ifName: "eth0", ip, mac });
        expect(ep).toEqual({ ip, prefixLength: 24, gateway: GATEWAY, mac, ifName: "eth0" });
        expect(must(["ip", "-n", ns.name, "link", "show", "eth0"])).toContain(`link/ether ${mac}`);
        const clash = makeNetns();
        try {
          const e = await net.add({ containerId: `${containerId}-clash`, netns: clash.path, ifName: "eth0", ip }).catch((x) => x);
          expect(e).toBeInstanceOf(SkiffError);
          expect((e as SkiffError).message).toContain("CNI ADD of plugin bridge");
          expect((e as SkiffError).message).toContain(ip);
          expect(sh(["ip", "-n", clash.name, "link", "show", "eth0"]).status).not.toBe(0); // undone
        } finally {
          clash.remove();
        }
        await net.del({ containerId, netns: ns.path, ifName: "eth0" });
        expect(reserved()).toEqual([]);
      } finally {
        ns.remove();
      }
    }
    expect(ownRules()).toEqual(rulesBefore);
  });

  test("a published port reaches a listener in the namespace from 127.0.0.1, the host's address, and another container through the host's address", async () => {
    const ns = makeNetns();
    const server = Bun.spawn({
      cmd: ["ip", "netns", "exec", ns.name, process.execPath, "-e", `Bun.serve({ port: 8080, hostname: "0.0.0.0", fetch: () => new Response("from the netns") }); console.log("up")`],
      stdout: "pipe", stderr: "inherit",
    });
    try {
      const ep = await net.add({ containerId: "web", netns: ns.path, ifName: "eth0", portMappings: [{ hostIp: "0.0.0.0", hostPort: HOST_PORT, containerPort: 8080, protocol: "tcp" }] });
      await server.stdout.getReader().read(); // "up"
      const get = async (url: string) => (await fetch(url, { keepalive: false, signal: AbortSignal.timeout(5000) })).text();
      expect(await get(`http://127.0.0.1:${HOST_PORT}/`)).toBe("from the netns");
      const hostIp = must(["ip", "-4", "-o", "addr", "show", "scope", "global"]).split("\n").map((l) => /inet (\S+)\//.exec(l)?.[1]).find((a) => a && !a.startsWith("10.199."));
      expect(hostIp).toBeDefined();
      expect(await get(`http://${hostIp}:${HOST_PORT}/`)).toBe("from the netns");
      expect(await get(`http://${ep.ip}:8080/`)).toBe("from the netns");
      // another container on the network, through the host's address (hairpin through the bridge)
      const client = makeNetns();
      try {
        await net.add({ containerId: "client", netns: client.path, ifName: "eth0" });
        const r = sh(["ip", "netns", "exec", client.name, "curl", "-sS", "-m", "5", `http://${hostIp}:${HOST_PORT}/`]);
        expect(r.out).toBe("from the netns");
      } finally {
        await net.del({ containerId: "client", netns: client.path, ifName: "eth0" });
        client.remove();
      }
      await net.del({ containerId: "web", netns: ns.path, ifName: "eth0" });
      expect(ownRules()).toEqual(rulesBefore);
      // (a new connection: a pooled one would still reach the server through its conntrack entry)
      const after = await fetch(`http://127.0.0.1:${HOST_PORT}/`, { keepalive: false, signal: AbortSignal.timeout(3000) }).then(() => "answered", (e: Error) => e.name);
      expect(after).not.toBe("answered");
    } finally {
      await net.del({ containerId: "web", netns: ns.path, ifName: "eth0" });
      server.kill("SIGKILL");
      await server.exited;
      ns.remove();
    }
  });

  test("DEL with netns '' after the namespace is gone frees the address, removes the published port's rules and the cache", async () => {
    const ns = makeNetns();
    const ep = await net.add({ containerId: "gone", netns: ns.path, ifName: "eth0", portMappings: [{ hostIp: "", hostPort: HOST_PORT + 1, containerPort: 80, protocol: "tcp" }] });
    expect(masqueradeFor("gone")).toEqual([]);
    expect(ownRules().length).toBeGreaterThan(rulesBefore.length); // portmap's
    ns.remove();
    await net.del({ containerId: "gone", netns: "", ifName: "eth0" });
    expect(ownRules()).toEqual(rulesBefore);
    expect(reserved()).not.toContain(ep.ip);
    expect(cacheFiles()).toEqual([]);
    await net.del({ containerId: "gone", netns: "", ifName: "eth0" });
  });

  test("a first ADD failing on a new bridge (a fixed IP outside the subnet) does not spoil the next ADD", async () => {
    const fresh = new CniNetwork(bridgeConflist({ ...record, id: `${NETWORK_ID}-fresh`, bridge: FRESH_BRIDGE, subnet: `10.198.${OCTET}.0/24`, gateway: `10.198.${OCTET}.1` }, { ipamDataDir: IPAM }), { cacheDir: CACHE });
    const ns = makeNetns();
    try {
      const e = (await fresh.add({ containerId: "first", netns: ns.path, ifName: "eth0", ip: `10.199.${OCTET}.9` }).catch((x) => x)) as SkiffError;
      expect(e.message).toContain("failed to allocate all requested IPs");
      const ep = await fresh.add({ containerId: "second", netns: ns.path, ifName: "eth0" });
      expect(ep.gateway).toBe(`10.198.${OCTET}.1`);
      await fresh.del({ containerId: "second", netns: ns.path, ifName: "eth0" });
    } finally {
      ns.remove();
    }
  });

  test("ADD and DEL of several containers at once: each gets its own address, nothing is left", async () => {
    const nss = Array.from({ length: 8 }, () => makeNetns());
    try {
      const eps = await Promise.all(nss.map((ns, i) => net.add({ containerId: `many${i}`, netns: ns.path, ifName: "eth0" })));
      expect(new Set(eps.map((e) => e.ip)).size).toBe(8);
      expect(reserved().length).toBe(8);
      for (const ns of nss) ns.remove();
      await Promise.all(nss.map((_, i) => net.del({ containerId: `many${i}`, netns: "", ifName: "eth0" })));
      expect(reserved()).toEqual([]);
      expect(cacheFiles()).toEqual([]);
      expect(ownRules()).toEqual(rulesBefore);
    } finally {
      for (const ns of nss) ns.remove();
      await Promise.all(nss.map((_, i) => net.del({ containerId: `many${i}`, netns: "", ifName: "eth0" })));
    }
  });

  test("NAT and forwarding come from the network's own rules: no per-container chain, published ports still work", async () => {
    const rec: NetworkRecord = { ...record, id: `${NETWORK_ID}-rules`, bridge: FRESH_BRIDGE, subnet: `10.198.${OCTET}.0/24`, gateway: `10.198.${OCTET}.1` };
    const cl = bridgeConflist(rec, { ipamDataDir: IPAM });
    expect(cl.plugins.map((p) => p.type)).toEqual(["bridge", "portmap"]);
    expect(cl.plugins[0]).toMatchObject({ ipMasq: false, isDefaultGateway: true });
    const ruled = new CniNetwork(cl, { cacheDir: CACHE });
    await ensureNetworkRules(rec);
    await ensureNetworkRules(rec); // idempotent
    const mine = () => must(["iptables-save"]).split("\n").filter((l) => l.includes(`skiff network ${rec.id}`));
    // FORWARD's RELATED and ACCEPT, the MASQUERADE, and the network's two isolation rules
    expect(mine().length).toBe(5);
    const ns = makeNetns();
    const server = Bun.spawn({
      cmd: ["ip", "netns", "exec", ns.name, process.execPath, "-e", `Bun.serve({ port: 8080, hostname: "0.0.0.0", fetch: () => new Response("ruled") }); console.log("up")`],
      stdout: "pipe", stderr: "inherit",
    });
    try {
      await ruled.add({ containerId: "r1", netns: ns.path, ifName: "eth0", portMappings: [{ hostIp: "", hostPort: HOST_PORT + 3, containerPort: 8080, protocol: "tcp" }] });
      expect(masqueradeFor("r1")).toEqual([]);
      await server.stdout.getReader().read();
      expect(await (await fetch(`http://127.0.0.1:${HOST_PORT + 3}/`, { keepalive: false, signal: AbortSignal.timeout(5000) })).text()).toBe("ruled");
      // a packet out of the host (to a free address beside eth0's) goes through the MASQUERADE rule
      const hostNet = must(["ip", "-4", "-o", "addr", "show", "scope", "global"]).split("\n").map((l) => /inet (\d+\.\d+\.\d+)\.\d+\//.exec(l)?.[1]).find((a) => a && !a.startsWith("10.19"));
      sh(["ip", "netns", "exec", ns.name, "curl", "-s", "-m", "1", `http://${hostNet}.254:9/`]);
      const masq = must(["iptables", "-t", "nat", "-L", "POSTROUTING", "-v", "-n", "-x"]).split("\n").find((l) => l.includes(`skiff network ${rec.id}`));
      expect(Number(masq?.trim().split(/\s+/)[0])).toBeGreaterThan(0);
      ns.remove();
      await ruled.del({ containerId: "r1", netns: "", ifName: "eth0" });
      expect(ownRules().filter((l) => !l.includes(`skiff network ${rec.id}`))).toEqual(rulesBefore);
    } finally {
      server.kill("SIGKILL");
      await server.exited;
      ns.remove();
      await ruled.del({ containerId: "r1", netns: "", ifName: "eth0" });
      await removeNetworkRules(rec);
    }
    expect(mine()).toEqual([]);
  });

  test("DEL with netns '' and no cached result (lost) still frees the address", async () => {
    const ns = makeNetns();
    const ep = await net.add({ containerId: "lost", netns: ns.path, ifName: "eth0" });
    ns.remove();
    rmSync(join(CACHE, `${NETWORK_ID}-lost-eth0.json`));
    await net.del({ containerId: "lost", netns: "", ifName: "eth0" });
    expect(ownRules()).toEqual(rulesBefore);
    expect(reserved()).not.toContain(ep.ip);
  });

  test("DEL of a container never added (no cache) is fine", async () => {
    await net.del({ containerId: "never", netns: "", ifName: "eth0" });
    const e = await net.check({ containerId: "never", netns: "", ifName: "eth0" }).catch((x) => x);
    expect((e as SkiffError).code).toBe("ENGINE_CNI_NOT_ATTACHED");
  });

  test("a second ADD of the same attachment is refused and leaves the first working", async () => {
    const ns = makeNetns();
    try {
      const ep = await net.add({ containerId: "twice", netns: ns.path, ifName: "eth0" });
      const e = await net.add({ containerId: "twice", netns: ns.path, ifName: "eth0" }).catch((x) => x);
      expect((e as SkiffError).code).toBe("ENGINE_CNI_ALREADY_ATTACHED");
      expect(must(["ip", "-n", ns.name, "-4", "-o", "addr", "show", "eth0"])).toContain(ep.ip);
      await net.del({ containerId: "twice", netns: ns.path, ifName: "eth0" });
    } finally {
      ns.remove();
    }
  });
});

describe("plugins that fail", () => {
  const call = (type: string, timeoutMs = 5000): Promise<SkiffError> =>
    execPlugin({ command: "ADD", type, pluginDirs: [FAKES], containerId: "x", netns: "/proc/self/ns/net", ifName: "eth0", config: { cniVersion: "1.0.0", name: "n", type }, timeoutMs }).then(() => { throw new Error(`${type}: no error`); }, (e) => e as SkiffError);

  test("a CNI error object names the plugin, the command, CNI's code and msg", async () => {
    const e: SkiffError = await call("fails");
    expect(e).toBeInstanceOf(SkiffError);
    expect(e.layer).toBe("engine");
    expect(e.code).toBe("ENGINE_CNI_FAILED");
    expect(e.message).toBe("CNI ADD of plugin fails: code 7 (invalid network config): the fake plugin refuses (on purpose)");
    expect(e.details).toMatchObject({ plugin: "fails", command: "ADD", cniCode: 7, cniMsg: "the fake plugin refuses" });
    expect(e.hint).toBeTruthy();
  });

  test("an exit without an error object gives the status and stderr", async () => {
    const e = await call("silent-exit");
    expect(e.message).toBe(`CNI ADD of plugin silent-exit: ${FAKES}/silent-exit exited with status 3 without a CNI error object: oops`);
  });

  test("a hung plugin is killed after the time limit and named", async () => {
    const t0 = performance.now();
    const e = await call("hangs", 500);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(e.code).toBe("ENGINE_CNI_TIMEOUT");
    expect(e.message).toBe(`CNI ADD of plugin hangs: ${FAKES}/hangs did not finish within 0.5 s and was killed`);
  });

  test("garbage on stdout is a bad result naming the plugin", async () => {
    const e = await call("garbage");
    expect(e.code).toBe("ENGINE_CNI_BAD_RESULT");
    expect(e.message).toStartWith(`CNI ADD of plugin garbage: parse the result of ${FAKES}/garbage: not valid JSON`);
  });

  test("a missing plugin says which package brings it", async () => {
    const e = await call("no-such-plugin");
    expect(e.code).toBe("ENGINE_CNI_PLUGIN_NOT_FOUND");
    expect(e.hint).toBe(`${FAKES}/no-such-plugin missing: apt install containernetworking-plugins`);
  });

  test("a chained plugin gets name, cniVersion, its own keys, prevResult, and only the runtimeConfig of its capabilities", async () => {
    const chain = new CniNetwork({ ...conflist, plugins: [conflist.plugins[0]!, { type: "recorder", capabilities: { portMappings: true, mac: false }, own: 1 }] }, { cacheDir: CACHE, pluginDirs: [FAKES, "/usr/lib/cni"] });
    const ns = makeNetns();
    const read = (cmd: string) => JSON.parse(readFileSync(join(FAKES, `recorded-${cmd}.json`), "utf8"));
    try {
      const ports = [{ hostIp: "0.0.0.0", hostPort: HOST_PORT + 4, containerPort: 80, protocol: "tcp" as const }];
      const ep = await chain.add({ containerId: "rec", netns: ns.path, ifName: "eth0", mac: "02:42:0a:00:00:09", portMappings: ports });
      const add = read("ADD");
      expect(add.env).toEqual({ CNI_COMMAND: "ADD", CNI_CONTAINERID: "rec", CNI_NETNS: ns.path, CNI_IFNAME: "eth0", CNI_PATH: `${FAKES}:/usr/lib/cni` });
      expect(add.input).toMatchObject({ cniVersion: "1.0.0", name: NETWORK_ID, type: "recorder", own: 1 });
      expect(add.input.runtimeConfig).toEqual({ portMappings: [{ hostPort: HOST_PORT + 4, containerPort: 80, protocol: "tcp", hostIP: "" }] });
      expect(add.input.prevResult.ips[0].address).toBe(`${ep.ip}/24`);
      await chain.del({ containerId: "rec", netns: ns.path, ifName: "eth0" });
      const del = read("DEL");
      expect(del.env.CNI_COMMAND).toBe("DEL");
      expect(del.input.prevResult).toEqual(add.input.prevResult);
      expect(del.input.runtimeConfig).toEqual(add.input.runtimeConfig);
    } finally {
      ns.remove();
      await chain.del({ containerId: "rec", netns: "", ifName: "eth0" });
    }
  });

  test("portmap runs only for a container with published ports", async () => {
    const chain = new CniNetwork(conflist, { cacheDir: CACHE, pluginDirs: [join(FAKES, "broken-portmap"), "/usr/lib/cni"] });
    const ns = makeNetns();
    try {
      await chain.add({ containerId: "noports", netns: ns.path, ifName: "eth0" });
      await chain.check({ containerId: "noports", netns: ns.path, ifName: "eth0" });
      await chain.del({ containerId: "noports", netns: ns.path, ifName: "eth0" });
      const e = (await chain.add({ containerId: "ports", netns: ns.path, ifName: "eth0", portMappings: [{ hostIp: "", hostPort: HOST_PORT + 2, containerPort: 80, protocol: "tcp" }] }).catch((x) => x)) as SkiffError;
      expect(e.message).toBe("CNI ADD of plugin portmap: code 999: portmap ran");
      expect(sh(["ip", "-n", ns.name, "link", "show", "eth0"]).status).not.toBe(0);
      expect(ownRules()).toEqual(rulesBefore);
    } finally {
      ns.remove();
    }
  });

  test("a chain failing after bridge undoes the bridge's ADD: no interface, address, rule or cache left", async () => {
    for (const bad of ["fails", "garbage"]) {
      const chain = new CniNetwork({ ...conflist, plugins: [conflist.plugins[0]!, { type: bad }] }, { cacheDir: CACHE, pluginDirs: [FAKES, "/usr/lib/cni"] });
      const ns = makeNetns();
      try {
        const e = (await chain.add({ containerId: `undo-${bad}`, netns: ns.path, ifName: "eth0" }).catch((x) => x)) as SkiffError;
        expect(e.message).toContain(`CNI ADD of plugin ${bad}`);
        expect(sh(["ip", "-n", ns.name, "link", "show", "eth0"]).status).not.toBe(0);
        expect(reserved()).toEqual([]);
        expect(cacheFiles()).toEqual([]);
        expect(ownRules()).toEqual(rulesBefore);
      } finally {
        ns.remove();
      }
    }
  });
});
