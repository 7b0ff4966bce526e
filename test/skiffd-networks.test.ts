// Networks through skiffd as docker users meet them, with skiff and docker's CLIs against a skiffd
// started here (its default bridge is the run's, --bridge/--bip from the harness): the default
// bridge (an address, a default route, /etc/hosts, outbound NAT, no name resolution), published
// ports (reachable on 127.0.0.1 and the host's address, released at stop and taken again at start,
// refused when taken), user-defined networks (names, aliases and short ids resolved by the
// network's name server; connect and disconnect; rename; a daemon restart), --network
// container:NAME, and refusals (a network in use, an unknown network). The harness checks after
// each test that no veth, iptables rule of a container or bridge of a network is left.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { TEST_BIP, TEST_BRIDGE, TEST_TAG } from "./harness/leaks.ts";
import { DOCKER_20, DOCKER_28, type RunResult, type Skiffd } from "./harness/skiffd.ts";
import { restartOn, skiffdWithBusybox } from "./harness/skiffd-leftovers.ts";

let d: Skiffd;
const skiff = (...args: string[]): RunResult => d.skiff(args);
const ok = (r: RunResult): string => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const gateway = TEST_BIP.split("/")[0]!;
const prefix = gateway.split(".").slice(0, 3).join(".");

/** A host address other than loopback (the machine's own, e.g. eth0's), if it has one. */
function hostAddress(): string | undefined {
  const out = spawnSync("ip", ["-4", "-o", "addr", "show", "scope", "global"], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .map((l) => /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(l)?.[1])
    .find((ip) => ip && !ip.startsWith(prefix) && !/^sk/.test(ip));
}

/** A TCP port nothing on the host listens on now. */
function freePort(): number {
  const s = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

async function fetchText(url: string, tries = 50): Promise<string> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await r.text();
    } catch (e) {
      last = e;
      await Bun.sleep(100);
    }
  }
  throw new Error(`${url}: ${String(last)}`);
}

/** A shell command that GETs / from HOST (busybox's wget crashes in Debian's static build; nc does not), retrying for 5 s. */
const get = (host: string, tries = 50, port = 80) => `for i in $(seq ${tries}); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port} && break; sleep 0.1; done`;

const HTTPD = ["sh", "-c", "mkdir -p /www && echo hello from $(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"];

beforeAll(async () => {
  d = await skiffdWithBusybox();
});

afterAll(async () => {
  const left = skiff("ps", "-aq").stdout.split("\n").filter(Boolean);
  if (left.length) skiff("rm", "-f", ...left);
  for (const n of skiff("network", "ls", "-q", "--filter", "type=custom").stdout.split("\n").filter(Boolean)) skiff("network", "rm", n);
  await d?.stop();
});

describe("the default bridge", () => {
  test("a daemon stopped right after run --rm finishes the container's network detach first: no marker, no CNI cache left", async () => {
    // (a new-user trial: ./setup's demo stops skiffd right after its run --rm, and both stayed on
    // the default roots until a next daemon start)
    ok(d.skiff(["run", "--rm", "busybox", "true"]));
    await d.stop();
    const networks = join(d.dir, "data", "networks");
    expect(readdirSync(join(networks, "attached"))).toEqual([]);
    expect(readdirSync(join(networks, "cni-cache"))).toEqual([]);
    // and with no container attached, the network gives its rules and bridge back (a stopped demo
    // left 13 iptables lines and skiff0 on the host); the next daemon makes them again
    expect(spawnSync("iptables-save").stdout.toString().split("\n").filter((l) => l.includes(TEST_BRIDGE))).toEqual([]);
    expect(spawnSync("ip", ["link", "show", TEST_BRIDGE]).status).not.toBe(0);
    d = await restartOn(d);
    ok(d.skiff(["run", "--rm", "busybox", "true"]));
  });

  test("rm -f returns once the container's networks are let go: no attach marker, no CNI cache entry of it left", () => {
    // (the harness once found a veth left after a test's rm -f: the plugins' DEL went on after rm
    // returned, as --rm's still does, off run --rm's path)
    const networks = join(d.dir, "data", "networks");
    const mine = (id: string) => [...readdirSync(join(networks, "attached")), ...readdirSync(join(networks, "cni-cache"))].filter((f) => f.includes(id));
    for (let i = 0; i < 3; i++) {
      const id = ok(skiff("run", "-d", "busybox", "sleep", "60")).trim();
      expect(mine(id).length).toBeGreaterThan(0);
      ok(skiff("rm", "-f", id));
      expect(mine(id)).toEqual([]);
    }
  });

  test("run without --network: an address in the bridge's subnet, a default route through its gateway, /etc/hosts naming it", () => {
    const out = ok(skiff("run", "--rm", "--hostname", "box1", "busybox", "sh", "-c", "ip -4 -o addr show eth0; ip route; cat /etc/hosts; cat /etc/hostname"));
    const ip = /inet (\d+\.\d+\.\d+\.\d+)\/24/.exec(out)?.[1];
    expect(ip).toBeDefined();
    expect(ip!.startsWith(`${prefix}.`)).toBe(true);
    expect(out).toContain(`default via ${gateway} dev eth0`);
    expect(out).toMatch(new RegExp(`${ip!.replaceAll(".", "\\.")}\\tbox1`));
    expect(out).toContain("127.0.0.1\tlocalhost");
  });

  test("inspect shows the container's address, gateway and MAC on network bridge while it runs; none once stopped", () => {
    const id = ok(skiff("run", "-d", "busybox", "sleep", "60")).trim();
    try {
      const j = JSON.parse(ok(skiff("inspect", id)))[0];
      const net = j.NetworkSettings.Networks.bridge;
      expect(net.IPAddress.startsWith(`${prefix}.`)).toBe(true);
      expect(net.Gateway).toBe(gateway);
      expect(net.MacAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(j.NetworkSettings.IPAddress).toBe(net.IPAddress);
      expect(j.HostConfig.NetworkMode).toBe("bridge");
      const inside = ok(skiff("exec", id, "cat", "/sys/class/net/eth0/address")).trim();
      expect(inside).toBe(net.MacAddress);
      ok(skiff("stop", "-t", "0", id));
      const after = JSON.parse(ok(skiff("inspect", id)))[0];
      expect(after.NetworkSettings.Networks.bridge.IPAddress).toBe("");
    } finally {
      skiff("rm", "-f", id);
    }
  });

  test("two containers on the default bridge reach each other by address, not by name (as docker's)", () => {
    const a = ok(skiff("run", "-d", "--name", "plain-a", "busybox", ...HTTPD)).trim();
    try {
      const ip = JSON.parse(ok(skiff("inspect", a)))[0].NetworkSettings.Networks.bridge.IPAddress as string;
      const out = ok(skiff("run", "--rm", "busybox", "sh", "-c", get(ip)));
      expect(out).toContain("hello from");
      const byName = skiff("run", "--rm", "busybox", "sh", "-c", `${get("plain-a", 1)}; nslookup plain-a`);
      expect(byName.stdout).not.toContain("hello from");
    } finally {
      skiff("rm", "-f", a);
    }
  });

  test("outbound traffic leaves through the host, masqueraded to the host's address (a test namespace stands for the outside)", () => {
    const ns = `${TEST_TAG}-out-${process.pid}`;
    const veth = `skto${process.pid % 100000}`;
    const run = (...a: string[]) => {
      const r = spawnSync(a[0]!, a.slice(1), { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${a.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    run("ip", "netns", "add", ns);
    let listener: ReturnType<typeof Bun.spawn> | undefined;
    try {
      run("ip", "link", "add", veth, "type", "veth", "peer", "name", "out0", "netns", ns);
      run("ip", "addr", "add", "198.51.100.1/24", "dev", veth);
      run("ip", "link", "set", veth, "up");
      run("ip", "-n", ns, "addr", "add", "198.51.100.2/24", "dev", "out0");
      run("ip", "-n", ns, "link", "set", "out0", "up");
      // the outside answers with the address its peer came from
      listener = Bun.spawn(["ip", "netns", "exec", ns, "busybox", "nc", "-l", "-p", "7777", "-e", "netstat", "-tn"], { stdout: "pipe", stderr: "pipe" });
      const out = ok(skiff("run", "--rm", "busybox", "sh", "-c", "for i in $(seq 50); do nc 198.51.100.2 7777 </dev/null && break; sleep 0.1; done"));
      // the connection the outside saw came from the host's side of the link, not the container's address
      expect(out).toMatch(/198\.51\.100\.2:7777\s+(::ffff:)?198\.51\.100\.1:\d+\s/);
      expect(out).not.toContain(`${prefix}.`);
    } finally {
      listener?.kill();
      spawnSync("ip", ["link", "delete", veth]);
      spawnSync("ip", ["netns", "delete", ns]);
    }
  });
});

describe("published ports", () => {
  test("-p HOST:80 reaches the container from 127.0.0.1 and the host's address; port shows it; stop frees the port and start takes it again", async () => {
    const port = freePort();
    const id = ok(skiff("run", "-d", "-p", `${port}:80`, "busybox", ...HTTPD)).trim();
    try {
      expect(await fetchText(`http://127.0.0.1:${port}/`)).toContain("hello from");
      const host = hostAddress();
      if (host) expect(await fetchText(`http://${host}:${port}/`)).toContain("hello from");
      expect(ok(skiff("port", id)).trim()).toBe(`80/tcp -> 0.0.0.0:${port}`);
      // and from another container, through the host's address (the gateway is one of them)
      expect(ok(skiff("run", "--rm", "busybox", "sh", "-c", get(gateway, 50, port)))).toContain("hello from");
      if (host) expect(ok(skiff("run", "--rm", "busybox", "sh", "-c", get(host, 50, port)))).toContain("hello from");
      expect(ok(skiff("port", id, "80")).trim()).toBe(`0.0.0.0:${port}`);
      // held while it runs: a host program cannot take the port
      expect(() => Bun.listen({ hostname: "0.0.0.0", port, socket: { data() {} } })).toThrow();
      ok(skiff("stop", "-t", "0", id));
      const s = Bun.listen({ hostname: "0.0.0.0", port, socket: { data() {} } });
      s.stop(true);
      ok(skiff("start", id));
      expect(await fetchText(`http://127.0.0.1:${port}/`)).toContain("hello from");
    } finally {
      skiff("rm", "-f", id);
    }
  });

  test("-p 80 and -P take free host ports; a taken host port is refused with docker's message and nothing is left", async () => {
    const a = ok(skiff("run", "-d", "-p", "80", "busybox", ...HTTPD)).trim();
    try {
      const mapping = ok(skiff("port", a, "80/tcp")).trim();
      const port = Number(/:(\d+)$/.exec(mapping)?.[1]);
      expect(port).toBeGreaterThan(1023);
      expect(await fetchText(`http://127.0.0.1:${port}/`)).toContain("hello from");
      const taken = skiff("run", "-d", "--name", "second", "-p", `${port}:80`, "busybox", ...HTTPD);
      expect(taken.status).toBe(125);
      expect(taken.stderr).toContain(`Bind for 0.0.0.0:${port} failed: port is already allocated`);
      // as docker 28's CLI: the id of the container made, then the error; it stays created, startable once the port is free
      const second = taken.stdout.trim();
      expect(second).toMatch(/^[0-9a-f]{64}$/);
      expect(d.docker(DOCKER_28, ["run", "-d", "--name", "third", "-p", `${port}:80`, "busybox", "true"]).stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
      expect(ok(skiff("inspect", "-f", "{{.State.Status}}", second)).trim()).toBe("created");
      skiff("rm", "-f", "second", "third");
    } finally {
      skiff("rm", "-f", a);
    }
  });

  test("docker 28 and 20.10 publish ports too, and docker port lists them", async () => {
    for (const bin of [DOCKER_28, DOCKER_20]) {
      const port = freePort();
      const id = ok(d.docker(bin, ["run", "-d", "-p", `127.0.0.1:${port}:80/tcp`, "busybox", ...HTTPD])).trim();
      try {
        expect(await fetchText(`http://127.0.0.1:${port}/`)).toContain("hello from");
        expect(ok(d.docker(bin, ["port", id])).trim()).toBe(`80/tcp -> 127.0.0.1:${port}`);
        const ps = ok(d.docker(bin, ["ps", "--format", "{{.Ports}}", "--filter", `id=${id}`])).trim();
        expect(ps).toBe(`127.0.0.1:${port}->80/tcp`);
      } finally {
        d.docker(bin, ["rm", "-f", id]);
      }
    }
  });
});

describe("user-defined networks", () => {
  test("containers reach each other by name, alias and short id; ls and inspect show them; rm is refused while one is on it", () => {
    ok(skiff("network", "create", "--subnet", "10.231.7.0/24", "appnet"));
    const device = JSON.parse(ok(skiff("network", "inspect", "appnet")))[0].Options["com.docker.network.bridge.name"] ?? `sk-${JSON.parse(ok(skiff("network", "inspect", "appnet")))[0].Id.slice(0, 12)}`;
    // (--net-alias: docker's other name of --network-alias)
    const web = ok(skiff("run", "-d", "--name", "web", "--network", "appnet", "--net-alias", "www", "busybox", ...HTTPD)).trim();
    try {
      const probe = (name: string) => ok(skiff("run", "--rm", "--network", "appnet", "busybox", "sh", "-c", get(name)));
      expect(probe("web")).toContain("hello from");
      expect(probe("www")).toContain("hello from");
      expect(probe(web.slice(0, 12))).toContain("hello from");
      const lookup = ok(skiff("run", "--rm", "--network", "appnet", "busybox", "nslookup", "web"));
      expect(lookup).toMatch(/Address:\s+10\.231\.7\.\d+/);
      expect(ok(skiff("run", "--rm", "--network", "appnet", "busybox", "cat", "/etc/resolv.conf"))).toContain("nameserver 10.231.7.1");
      expect(skiff("run", "--rm", "--network", "appnet", "busybox", "nslookup", "no-such-container-here.invalid").status).not.toBe(0);
      const ls = ok(skiff("network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"));
      expect(ls).toContain("appnet bridge local");
      expect(ls).toContain("bridge bridge local");
      const net = JSON.parse(ok(skiff("network", "inspect", "appnet")))[0];
      expect(net.IPAM.Config[0].Subnet).toBe("10.231.7.0/24");
      expect(Object.keys(net.Containers)).toEqual([web]);
      const rm = skiff("network", "rm", "appnet");
      expect(rm.status).not.toBe(0);
      expect(rm.stderr).toContain("has active endpoints");
    } finally {
      skiff("rm", "-f", web);
    }
    ok(skiff("network", "rm", "appnet"));
    // its bridge went with it
    expect(readdirSync("/sys/class/net")).not.toContain(device);
  });

  test("connect and disconnect a running container; a fixed --ip; names follow a rename and a daemon restart", async () => {
    ok(skiff("network", "create", "--subnet", "10.231.8.0/24", "n1"));
    ok(skiff("network", "create", "n2"));
    const a = ok(skiff("run", "-d", "--name", "alpha", "--network", "n1", "--ip", "10.231.8.50", "busybox", ...HTTPD)).trim();
    try {
      expect(ok(skiff("exec", a, "ip", "-4", "-o", "addr", "show", "eth0"))).toContain("10.231.8.50/24");
      ok(skiff("network", "connect", "--alias", "second-name", "n2", a));
      expect(ok(skiff("exec", a, "ip", "-o", "link"))).toContain("eth1");
      const onN2 = (name: string) => skiff("run", "--rm", "--network", "n2", "busybox", "sh", "-c", get(name, 1));
      expect(ok(onN2("second-name"))).toContain("hello from");
      ok(skiff("rename", "alpha", "beta"));
      expect(ok(skiff("run", "--rm", "--network", "n1", "busybox", "sh", "-c", get("beta")))).toContain("hello from");
      d = await restartOn(d);
      expect(ok(skiff("run", "--rm", "--network", "n1", "busybox", "sh", "-c", get("beta")))).toContain("hello from");
      ok(skiff("network", "disconnect", "n2", a));
      expect(ok(skiff("exec", a, "ip", "-o", "link"))).not.toContain("eth1");
      expect(onN2("second-name").stdout).not.toContain("hello from");
    } finally {
      skiff("rm", "-f", a);
      skiff("network", "rm", "n1", "n2");
    }
  });

  test("disconnecting the network that holds the default route moves the route to one the container is still on, as dockerd's (a new-user trial: none was left)", () => {
    ok(skiff("network", "create", "--subnet", "10.231.9.0/24", "routed"));
    const c = ok(skiff("run", "-d", "--name", "router", "busybox", "sleep", "60")).trim();
    try {
      ok(skiff("network", "disconnect", "bridge", c));
      ok(skiff("network", "connect", "routed", c)); // the default route now goes through routed
      ok(skiff("network", "connect", "bridge", c));
      expect(ok(skiff("exec", c, "ip", "route", "show", "default"))).toContain("via 10.231.9.1");
      ok(skiff("network", "disconnect", "routed", c));
      const gateway = JSON.parse(ok(skiff("network", "inspect", "bridge")))[0].IPAM.Config[0].Gateway as string;
      expect(ok(skiff("exec", c, "ip", "route", "show", "default"))).toContain(`default via ${gateway} dev eth`);
    } finally {
      skiff("rm", "-f", c);
      skiff("network", "rm", "routed");
    }
  });

  test("--network container:NAME shares the other's network namespace", () => {
    const a = ok(skiff("run", "-d", "--name", "holder", "busybox", ...HTTPD)).trim();
    try {
      const out = ok(skiff("run", "--rm", "--network", "container:holder", "busybox", "sh", "-c", `${get("127.0.0.1")}; ip -4 -o addr show eth0`));
      expect(out).toContain("hello from");
      const ip = JSON.parse(ok(skiff("inspect", a)))[0].NetworkSettings.Networks.bridge.IPAddress;
      expect(out).toContain(`inet ${ip}/`);
      // the owner stops: its interface goes, though a sharer keeps the namespace (a new-user trial:
      // eth0 stayed, and the owner's next start put the same address and MAC on the bridge twice)
      const sharer = ok(skiff("run", "-d", "--network", "container:holder", "busybox", "sleep", "60")).trim();
      try {
        ok(skiff("stop", "-t", "1", a));
        // (the detach ends after the stop: the owner's veth is waited for, then taken away)
        const links = () => ok(skiff("exec", sharer, "ip", "-o", "link")).split("\n").filter(Boolean).map((l) => l.split(":")[1]!.trim().split("@")[0]);
        for (let i = 0; i < 100 && links().length > 1; i++) Bun.sleepSync(100);
        expect(links()).toEqual(["lo"]);
      } finally {
        skiff("rm", "-f", sharer);
      }
    } finally {
      skiff("rm", "-f", a);
    }
  });

  test("docker 28 compose-style: create a network, run two containers on it, reach one from the other by name", () => {
    const docker = (...args: string[]) => d.docker(DOCKER_28, args);
    ok(docker("network", "create", "proj_default"));
    const db = ok(docker("run", "-d", "--name", "proj-db-1", "--network", "proj_default", "--network-alias", "db", "busybox", ...HTTPD)).trim();
    try {
      const out = ok(docker("run", "--rm", "--network", "proj_default", "busybox", "sh", "-c", get("db")));
      expect(out).toContain("hello from");
      expect(ok(docker("network", "inspect", "-f", "{{.Name}} {{.Driver}} {{len .Containers}}", "proj_default")).trim()).toBe("proj_default bridge 1");
    } finally {
      docker("rm", "-f", db);
      docker("network", "rm", "proj_default");
    }
  });

  test("--link on a user-defined network (docker 28, 20.10, skiff) and network connect --link: the alias is a name for the linking container only; inspect shows the links; a missing target is a 400 (a new-user trial: docker's run was refused)", () => {
    ok(skiff("network", "create", "--subnet", "10.231.8.0/24", "linknet"));
    const web = ok(skiff("run", "-d", "--name", "lweb", "--network", "linknet", "busybox", ...HTTPD)).trim();
    const c = ok(skiff("create", "--name", "lcon", "--network", "linknet", "busybox", "sleep", "60")).trim();
    try {
      const ip = JSON.parse(ok(skiff("inspect", web)))[0].NetworkSettings.Networks.linknet.IPAddress;
      for (const cli of [(a: string[]) => d.docker(DOCKER_28, a), (a: string[]) => d.docker(DOCKER_20, a), (a: string[]) => d.skiff(a)]) {
        const out = ok(cli(["run", "--rm", "--network", "linknet", "--link", "lweb:site", "busybox", "sh", "-c", `${get("site")}; nslookup site`]));
        expect(out).toContain("hello from");
        expect(out).toContain(ip);
      }
      // the alias is the linking container's: another container on the network does not know it
      expect(skiff("run", "--rm", "--network", "linknet", "busybox", "nslookup", "site").status).not.toBe(0);
      const linked = ok(d.docker(DOCKER_28, ["create", "--network", "linknet", "--link", "lweb:site", "busybox", "true"])).trim();
      try {
        const j = JSON.parse(ok(skiff("inspect", linked)))[0];
        expect(j.HostConfig.Links).toEqual(["lweb:site"]);
        expect(j.NetworkSettings.Networks.linknet.Links).toEqual(["lweb:site"]);
      } finally {
        skiff("rm", "-f", linked);
      }
      // network connect --link, on a second user-defined network
      ok(skiff("network", "create", "--subnet", "10.231.9.0/24", "linknet2"));
      try {
        ok(d.docker(DOCKER_28, ["network", "connect", "--link", "lweb:w2", "linknet2", c]));
        ok(skiff("start", c));
        expect(ok(skiff("exec", c, "nslookup", "w2"))).toContain(ip);
        expect(JSON.parse(ok(skiff("inspect", c)))[0].NetworkSettings.Networks.linknet2.Links).toEqual(["lweb:w2"]);
        skiff("rm", "-f", c);
      } finally {
        skiff("network", "rm", "linknet2");
      }
      const missing = d.docker(DOCKER_28, ["run", "--rm", "--network", "linknet", "--link", "nosuch:x", "busybox", "true"]);
      expect(missing.status).toBe(125);
      expect(missing.stderr).toContain("could not get container for nosuch");
      const onBridge = d.docker(DOCKER_28, ["network", "connect", "--link", "lweb:x", "bridge", web]);
      expect(onBridge.status).not.toBe(0);
      expect(onBridge.stderr).toContain("links are only supported for user-defined networks");
    } finally {
      skiff("rm", "-f", web, c);
      skiff("network", "rm", "linknet");
    }
  });

  test("bad input: an unknown network, a subnet overlapping another network's, removing the default network", () => {
    const unknown = skiff("run", "--rm", "--network", "no-such-net", "busybox", "true");
    expect(unknown.status).toBe(125);
    expect(unknown.stderr).toContain("network no-such-net not found");
    const overlap = skiff("network", "create", "--subnet", TEST_BIP.replace(/\.1\/24$/, ".0/24"), "clash");
    expect(overlap.status).not.toBe(0);
    expect(overlap.stderr).toContain("Pool overlaps with other one on this address space");
    const rmDefault = skiff("network", "rm", "bridge");
    expect(rmDefault.status).not.toBe(0);
    expect(rmDefault.stderr).toContain("bridge is a pre-defined network and cannot be removed");
    const cidr = skiff("network", "create", "--subnet", "10.300.0.0/16", "badcidr");
    expect(cidr.status).not.toBe(0);
    expect(cidr.stderr).toContain("10.300.0.0/16");
    const alias = skiff("run", "--rm", "--name", "aliased", "--network", "bridge", "--network-alias", "not a label", "busybox", "true");
    expect(alias.status).toBe(125);
    ok(skiff("network", "create", "--subnet", "10.231.12.0/24", "twice"));
    const badAlias = skiff("create", "--name", "aliased", "--network", "twice", "--network-alias", "not a label", "busybox", "true");
    expect(badAlias.status).toBe(1); // (create's daemon errors are 1, as docker 28's; run's 125)
    expect(badAlias.stderr).toContain("not a valid DNS name");
    const c = ok(skiff("create", "--network", "twice", "busybox", "true")).trim();
    const again = skiff("network", "connect", "twice", c);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain("already exists in network twice");
    ok(skiff("rm", c));
    ok(skiff("network", "rm", "twice"));
    // nothing was made by the refusals
    expect(skiff("ps", "-aq").stdout.trim()).toBe("");
    // bridge, host and none, as docker lists them
    expect(ok(skiff("network", "ls", "--format", "{{.Name}} {{.Driver}}")).trim().split("\n").sort()).toEqual(["bridge bridge", "host host", "none null"]);
    for (const name of ["host", "none"]) {
      expect(skiff("network", "create", name).stderr).toContain(`network with name ${name} already exists`);
      expect(skiff("network", "rm", name).stderr).toContain(`${name} is a pre-defined network and cannot be removed`);
    }
  });
});

test("the default network's bridge is the one the daemon was given", () => {
  const net = JSON.parse(ok(skiff("network", "inspect", "bridge")))[0];
  expect(net.IPAM.Config[0]).toMatchObject({ Subnet: TEST_BIP.replace(/\.1\/24$/, ".0/24"), Gateway: gateway });
  expect(join("/sys/class/net", net.Options["com.docker.network.bridge.name"])).toContain("skt");
});

describe("what docker users also count on", () => {
  const ipamFiles = (networkId: string) => {
    const dir = join(d.dir, "data", "networks", "ipam", networkId);
    try {
      return readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    } catch {
      return [];
    }
  };
  const bridgeId = () => JSON.parse(ok(skiff("network", "inspect", "bridge")))[0].Id as string;

  test("a container that dies while no daemon runs is detached at the next start: its address is free again and its rules are gone", async () => {
    const id = ok(skiff("run", "-d", "-p", "80", "busybox", "sleep", "300")).trim();
    const ip = JSON.parse(ok(skiff("inspect", id)))[0].NetworkSettings.Networks.bridge.IPAddress as string;
    expect(ipamFiles(bridgeId())).toContain(ip);
    const pid = Number(ok(skiff("inspect", "-f", "{{.State.Pid}}", id)).trim());
    const { killDaemon } = await import("./harness/skiffd-leftovers.ts");
    await killDaemon(d);
    process.kill(pid, "SIGKILL");
    d = await restartOn(d);
    try {
      ok(skiff("wait", id)); // (the new daemon records the exit its monitor kept)
      expect(ok(skiff("inspect", "-f", "{{.State.Status}}", id)).trim()).toBe("exited");
      // (the new daemon's detach of it runs beside the wait: the full suite once looked first)
      for (let i = 0; i < 50 && ipamFiles(bridgeId()).includes(ip); i++) await Bun.sleep(100);
      expect(ipamFiles(bridgeId())).not.toContain(ip);
      const rules = spawnSync("iptables-save", { encoding: "utf8" }).stdout;
      expect(rules).not.toContain(id);
    } finally {
      skiff("rm", "-f", id);
    }
  });

  test("live restore: a running container keeps its address and published port across a daemon restart; a new one gets another address", async () => {
    const port = freePort();
    const id = ok(skiff("run", "-d", "-p", `${port}:80`, "busybox", ...HTTPD)).trim();
    try {
      const ip = JSON.parse(ok(skiff("inspect", id)))[0].NetworkSettings.Networks.bridge.IPAddress as string;
      expect(await fetchText(`http://127.0.0.1:${port}/`)).toContain("hello from");
      d = await restartOn(d);
      expect(JSON.parse(ok(skiff("inspect", id)))[0].NetworkSettings.Networks.bridge.IPAddress).toBe(ip);
      expect(await fetchText(`http://127.0.0.1:${port}/`)).toContain("hello from");
      // held again by the new daemon
      expect(() => Bun.listen({ hostname: "0.0.0.0", port, socket: { data() {} } })).toThrow();
      const other = ok(skiff("run", "--rm", "busybox", "ip", "-4", "-o", "addr", "show", "eth0"));
      expect(other).not.toContain(`inet ${ip}/`);
    } finally {
      skiff("rm", "-f", id);
    }
  });

  test("a network whose bridge was deleted behind skiff's back works again at the next container: the bridge, its name server and its running containers come back", async () => {
    ok(skiff("network", "create", "--subnet", "10.231.9.0/24", "fragile"));
    const n = JSON.parse(ok(skiff("network", "inspect", "fragile")))[0];
    const device = `sk-${(n.Id as string).slice(0, 12)}`;
    try {
      const before = ok(skiff("run", "-d", "--name", "before", "--network", "fragile", "busybox", ...HTTPD)).trim();
      expect(spawnSync("ip", ["link", "delete", device]).status).toBe(0);
      const a = ok(skiff("run", "-d", "--name", "again", "--network", "fragile", "busybox", ...HTTPD)).trim();
      try {
        expect(readdirSync("/sys/class/net")).toContain(device);
        expect(ok(skiff("run", "--rm", "--network", "fragile", "busybox", "sh", "-c", get("again")))).toContain("hello from");
        // the container that ran through it is put back on the new bridge, and the daemon says so
        expect(ok(skiff("run", "--rm", "--network", "fragile", "busybox", "sh", "-c", get("before")))).toContain("hello from");
        const said = `network fragile: its bridge ${device} was gone and has been made again; 1 of 1 running containers put back on it`;
        for (let i = 0; i < 100 && !d.log().includes(said); i++) await Bun.sleep(50); // (the log is read while the test waits)
        expect(d.log()).toContain(said);
      } finally {
        skiff("rm", "-f", a, before);
      }
    } finally {
      ok(skiff("network", "rm", "fragile"));
    }
  });

  test("a running container whose network's bridge was deleted while no daemon ran is reported at the next daemon start (CNI CHECK)", async () => {
    ok(skiff("network", "create", "--subnet", "10.231.13.0/24", "checked"));
    const device = `sk-${(JSON.parse(ok(skiff("network", "inspect", "checked")))[0].Id as string).slice(0, 12)}`;
    const a = ok(skiff("run", "-d", "--name", "checked-one", "--network", "checked", "busybox", "sleep", "300")).trim();
    try {
      const { killDaemon } = await import("./harness/skiffd-leftovers.ts");
      await killDaemon(d);
      expect(spawnSync("ip", ["link", "delete", device]).status).toBe(0);
      d = await restartOn(d);
      for (let i = 0; i < 100 && !d.log().includes("is broken"); i++) await Bun.sleep(50);
      expect(d.log()).toContain(`container checked-one (${a.slice(0, 12)}): its attachment to network checked is broken`);
    } finally {
      skiff("rm", "-f", a);
      skiff("network", "rm", "checked");
    }
  });

  test("--internal: containers reach each other but have no route out", () => {
    ok(skiff("network", "create", "--internal", "--subnet", "10.231.10.0/24", "inner"));
    const a = ok(skiff("run", "-d", "--name", "inner-web", "--network", "inner", "busybox", ...HTTPD)).trim();
    try {
      const out = ok(skiff("run", "--rm", "--network", "inner", "busybox", "sh", "-c", `${get("inner-web")}; ip route`));
      expect(out).toContain("hello from");
      expect(out).not.toContain("default via");
      expect(JSON.parse(ok(skiff("network", "inspect", "inner")))[0].Internal).toBe(true);
    } finally {
      skiff("rm", "-f", a);
      skiff("network", "rm", "inner");
    }
  });

  test("a container whose first network is --internal goes out through its other one: the default route and the published port are that network's, as dockerd's gateway endpoint (a new-user trial: no route, and the port led to the internal address)", () => {
    ok(skiff("network", "create", "--internal", "--subnet", "10.231.11.0/24", "backend"));
    ok(skiff("network", "create", "--subnet", "10.231.12.0/24", "frontend"));
    const hostPort = 20000 + (process.pid % 10000);
    const c = ok(skiff("create", "--name", "both-nets", "--network", "backend", "-p", `${hostPort}:80`, "busybox", ...HTTPD)).trim();
    const l = ok(skiff("run", "-d", "--name", "internal-then", "--network", "backend", "busybox", "sleep", "60")).trim();
    try {
      ok(skiff("network", "connect", "frontend", c));
      ok(skiff("start", c));
      expect(ok(skiff("exec", c, "ip", "route", "show", "default"))).toContain("default via 10.231.12.1");
      const frontIp = ok(skiff("inspect", "-f", "{{(index .NetworkSettings.Networks \"frontend\").IPAddress}}", c)).trim();
      expect(execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" })).toContain(`--to-destination ${frontIp}:80`);
      // a running container on an internal network alone gets its route from the one connected next
      ok(skiff("network", "connect", "frontend", l));
      expect(ok(skiff("exec", l, "ip", "route", "show", "default"))).toContain("default via 10.231.12.1");
    } finally {
      skiff("rm", "-f", c, l);
      skiff("network", "rm", "backend", "frontend");
    }
  });

  test("addresses are given lowest free first, as docker's: a restarted container keeps its address, run --rm after run --rm gets the same one (a new-user trial: each restart moved it, and --link's /etc/hosts went stale)", () => {
    ok(skiff("network", "create", "--subnet", "10.231.13.0/24", "steady"));
    const c = ok(skiff("run", "-d", "--name", "steady-one", "--network", "steady", "busybox", "sleep", "60")).trim();
    const ipOf = () => ok(skiff("inspect", "-f", "{{(index .NetworkSettings.Networks \"steady\").IPAddress}}", c)).trim();
    try {
      const before = ipOf();
      ok(skiff("restart", "-t", "0", c));
      expect(ipOf()).toBe(before);
      const once = () => ok(skiff("run", "--rm", "--network", "steady", "busybox", "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}'")).trim();
      const first = once();
      expect(once()).toBe(first);
      expect(first).not.toBe(`${before}/24`);
    } finally {
      skiff("rm", "-f", c);
      skiff("network", "rm", "steady");
    }
  });

  test("a network's names are answered to its own containers only: one on another network asking through its gateway is refused (a new-user trial: it read them)", () => {
    ok(skiff("network", "create", "--subnet", "10.231.14.0/24", "privnet"));
    const c = ok(skiff("run", "-d", "--name", "secret-name", "--network", "privnet", "busybox", "sleep", "60")).trim();
    try {
      expect(ok(skiff("run", "--rm", "--network", "privnet", "busybox", "nslookup", "secret-name", "10.231.14.1"))).toContain("10.231.14.");
      const outsider = skiff("run", "--rm", "busybox", "nslookup", "secret-name", "10.231.14.1");
      expect([outsider.status !== 0, outsider.stdout.includes("10.231.14.2")]).toEqual([true, false]);
    } finally {
      skiff("rm", "-f", c);
      skiff("network", "rm", "privnet");
    }
  });

  test("--mac-address, --dns, --dns-search, --dns-opt (docker's other name of --dns-option) and --add-host (host-gateway) reach the container", () => {
    const out = ok(skiff("run", "--rm", "--mac-address", "02:42:ac:11:00:99", "--dns", "192.0.2.53", "--dns-search", "example.test", "--dns-opt", "ndots:3", "--add-host", "gw:host-gateway", "--add-host", "db.local:10.9.9.9", "busybox", "sh", "-c", "cat /sys/class/net/eth0/address /etc/resolv.conf /etc/hosts"));
    expect(out).toContain("02:42:ac:11:00:99");
    expect(out).toContain("nameserver 192.0.2.53");
    expect(out).toContain("search example.test");
    expect(out).toContain("options ndots:3");
    expect(out).toContain(`${gateway}\tgw`);
    expect(out).toContain("10.9.9.9\tdb.local");
  });

  test("-P publishes the image's exposed ports; a port range maps one to one; a UDP port is published", async () => {
    const tar = join(d.dir, "busybox.tar");
    ok(skiff("import", tar, "exposing:latest", "-c", 'CMD ["sh"]', "-c", "EXPOSE 80/tcp"));
    const a = ok(skiff("run", "-d", "-P", "exposing", ...HTTPD)).trim();
    const base = freePort() > 60000 ? 20000 : 21000 + (process.pid % 1000) * 4;
    const b = ok(skiff("run", "-d", "-p", `${base}-${base + 1}:80-81`, "-p", `${base + 2}:53/udp`, "busybox", "sleep", "60")).trim();
    try {
      const p = Number(/:(\d+)$/.exec(ok(skiff("port", a, "80")).trim())?.[1]);
      expect(await fetchText(`http://127.0.0.1:${p}/`)).toContain("hello from");
      expect(ok(skiff("port", b)).trim().split("\n").sort()).toEqual([`53/udp -> 0.0.0.0:${base + 2}`, `80/tcp -> 0.0.0.0:${base}`, `81/tcp -> 0.0.0.0:${base + 1}`]);
    } finally {
      skiff("rm", "-f", a, b);
    }
  });

  test("network events: create, connect, disconnect, destroy", () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(skiff("network", "create", "--subnet", "10.231.11.0/24", "evnet"));
    const c = ok(skiff("create", "--network", "evnet", "busybox", "true")).trim();
    ok(skiff("rm", c));
    const cid = ok(skiff("run", "-d", "--rm", "--network", "evnet", "busybox", "true")).trim();
    for (let i = 0; i < 100 && ok(skiff("ps", "-aq", "--no-trunc", "--filter", `id=${cid}`)).trim(); i++) Bun.sleepSync(50); // (--rm's removal)
    ok(skiff("network", "rm", "evnet"));
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const out = ok(skiff("events", "--since", String(since), "--until", until, "--filter", "type=network", "--format", "{{.Action}} {{.Actor.Attributes.name}}"));
    // as dockerd: connect and disconnect when a container's endpoint joins and leaves (start, exit), not at create
    expect(out.trim().split("\n").filter((l) => l.endsWith(" evnet"))).toEqual(["create evnet", "connect evnet", "disconnect evnet", "destroy evnet"]);
    // and in dockerd's order with the container's own: die, then the network's disconnect, then --rm's destroy
    const order = ok(skiff("events", "--since", String(since), "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}}"));
    const mine = order.trim().split("\n").filter((l) => l.includes(cid)).map((l) => l.split(" ").slice(0, 2).join(" "));
    expect(mine.filter((l) => ["container die", "network disconnect", "container destroy"].includes(l))).toEqual(["container die", "network disconnect", "container destroy"]);
  });
});

describe("between networks (a trial's findings)", () => {
  test("networks are isolated from each other: no traffic from one bridge to another, and one network's name server knows only its own (and its askers') names", () => {
    ok(skiff("network", "create", "--subnet", "10.231.14.0/24", "iso-a"));
    ok(skiff("network", "create", "--subnet", "10.231.15.0/24", "iso-b"));
    const a = ok(skiff("run", "-d", "--name", "iso-web", "--network", "iso-a", "busybox", ...HTTPD)).trim();
    try {
      const ip = JSON.parse(ok(skiff("inspect", a)))[0].NetworkSettings.Networks["iso-a"].IPAddress as string;
      expect(ok(skiff("run", "--rm", "--network", "iso-a", "busybox", "sh", "-c", get(ip)))).toContain("hello from");
      // from another user-defined network and from the default bridge: dropped
      expect(skiff("run", "--rm", "--network", "iso-b", "busybox", "sh", "-c", get(ip, 2)).stdout).not.toContain("hello from");
      expect(skiff("run", "--rm", "busybox", "sh", "-c", get(ip, 2)).stdout).not.toContain("hello from");
      // iso-b's name server does not give iso-a's names
      expect(skiff("run", "--rm", "--network", "iso-b", "busybox", "nslookup", "iso-web").stdout).not.toContain(ip);
    } finally {
      skiff("rm", "-f", a);
      skiff("network", "rm", "iso-a", "iso-b");
    }
  });

  test("a container on two networks: one default route (its first network's), names of both resolved; a default-bridge container connected to a user network gets its name server", () => {
    ok(skiff("network", "create", "--subnet", "10.231.16.0/24", "two-a"));
    ok(skiff("network", "create", "--subnet", "10.231.17.0/24", "two-b"));
    const wa = ok(skiff("run", "-d", "--name", "on-a", "--network", "two-a", "busybox", ...HTTPD)).trim();
    const wb = ok(skiff("run", "-d", "--name", "on-b", "--network", "two-b", "busybox", ...HTTPD)).trim();
    const plain = ok(skiff("run", "-d", "--name", "plain", "busybox", "sleep", "300")).trim();
    try {
      const both = ok(skiff("run", "--rm", "--network", "two-a", "--network", "two-b", "busybox", "sh", "-c", `ip route | grep -c '^default'; ip route | grep '^default'; ${get("on-a")}; ${get("on-b")}`));
      expect(both.split("\n")[0]).toBe("1");
      expect(both).toContain("default via 10.231.16.1 dev eth0");
      expect(both.match(/hello from/g)?.length).toBe(2);
      ok(skiff("network", "connect", "two-b", plain));
      expect(ok(skiff("exec", plain, "cat", "/etc/resolv.conf"))).toContain("nameserver 10.231.17.1");
      expect(ok(skiff("exec", plain, "sh", "-c", `ip route | grep '^default'; ${get("on-b")}`))).toMatch(new RegExp(`default via ${gateway.replaceAll(".", "\\.")} dev eth0[^]*hello from`));
    } finally {
      skiff("rm", "-f", wa, wb, plain);
      skiff("network", "rm", "two-a", "two-b");
    }
  });

  test("--internal publishes nothing and forwards no outside name; --ip needs a network made with --subnet; an address in use is docker's error", () => {
    ok(skiff("network", "create", "--internal", "--subnet", "10.231.18.0/24", "int-only"));
    ok(skiff("network", "create", "no-subnet"));
    const a = ok(skiff("run", "-d", "--network", "int-only", "-p", "80", "busybox", ...HTTPD)).trim();
    try {
      expect(ok(skiff("port", a)).trim()).toBe("");
      const outside = skiff("run", "--rm", "--network", "int-only", "busybox", "nslookup", "example.com");
      expect(outside.stdout).not.toMatch(/Address:\s+\d+\.\d+\.\d+\.\d+\s*$/m);
      const noSubnet = skiff("run", "--rm", "--network", "no-subnet", "--ip", "172.30.0.9", "busybox", "true");
      expect(noSubnet.status).toBe(125);
      expect(noSubnet.stderr).toContain("user specified IP address is supported only when connecting to networks with user configured subnets");
      ok(skiff("run", "-d", "--name", "holds-ip", "--network", "int-only", "--ip", "10.231.18.50", "busybox", "sleep", "300"));
      const taken = skiff("run", "--rm", "--network", "int-only", "--ip", "10.231.18.50", "busybox", "true");
      expect(taken.status).toBe(125);
      expect(taken.stderr).toContain("Address already in use");
      const connectAlias = skiff("network", "connect", "--alias", "x", "bridge", a);
      expect(connectAlias.stderr).toContain("network-scoped alias is supported only for containers in user defined networks");
      expect(skiff("network", "connect", "host", a).stderr).toContain("container cannot be disconnected from host network or connected to host network");
    } finally {
      skiff("rm", "-f", a, "holds-ip");
      skiff("network", "rm", "int-only", "no-subnet");
    }
  });
});
