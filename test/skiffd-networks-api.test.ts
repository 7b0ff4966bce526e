// The network routes end to end on a socket: skiffd's API server over a network service in memory
// (src/api/testing/fake-networks.ts), asked by skiff's client and by raw requests as docker's
// CLIs send them: dockerd's statuses and words, and every body and query checked first. Then the
// same through skiffd itself, with skiff, docker 28 and docker 20.10: what each prints is the same.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { ApiClient } from "../src/api/client.ts";
import { NetworkClient } from "../src/api/client-networks.ts";
import { startApiServer, type ApiServer } from "../src/api/server.ts";
import { FakeImageService } from "../src/api/testing/fake-images.ts";
import { FakeNetworks } from "../src/api/testing/fake-networks.ts";
import type { ContainerService } from "../src/engine/containers/index.ts";
import { DOCKER_20, DOCKER_28, removeDir, stopAll, type RunResult, type Skiffd } from "./harness/skiffd.ts";
import { ok, skiffdWithBusybox } from "./harness/skiffd-leftovers.ts";

const dir = `/tmp/skiff-test-${process.pid}/networks-api`;
const sock = `${dir}/api.sock`;
const networks = new FakeNetworks();
const emitted: string[] = [];
let server: ApiServer;
const client = new NetworkClient(new ApiClient(sock));
const raw = (method: string, path: string, body?: unknown) =>
  fetch(`http://x/v1.41${path}`, { method, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body), headers: { "Content-Type": "application/json" }, unix: sock } as RequestInit);
const answer = async (res: Response) => ({ status: res.status, body: res.status === 204 || res.headers.get("content-length") === "0" ? undefined : await res.json().catch(() => undefined) });

/** docker 28's body for `docker network create NAME` with the flags' fields over it. */
const createBody = (name: string, over: Record<string, unknown> = {}) => ({ Driver: "bridge", Scope: "", IPAM: { Driver: "default", Options: {}, Config: [] }, Internal: false, Attachable: false, Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: {}, Labels: {}, Name: name, CheckDuplicate: true, ...over });

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  networks.knownContainers.set("c".repeat(64), "web");
  const containers = { networks, events: { log: { emit: (type: string, action: string) => emitted.push(`${type} ${action}`) } } } as unknown as ContainerService;
  server = await startApiServer({ socketPath: sock, images: new FakeImageService(), containers, daemon: { id: "x", name: "h", version: "0.1.0", dataRoot: dir, execRoot: dir, insecureRegistries: [], debug: false } });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("network create", () => {
  test("201 with the id and an empty warning, as dockerd", async () => {
    const res = await answer(await raw("POST", "/networks/create", createBody("front", { Labels: { tier: "web" }, IPAM: { Driver: "default", Options: {}, Config: [{ Subnet: "10.9.0.0/16", IPRange: "10.9.1.0/24", Gateway: "10.9.0.254" }] }, Internal: true })));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ Id: expect.stringMatching(/^[0-9a-f]{64}$/), Warning: "" });
    const n = await client.inspect("front");
    expect(n).toMatchObject({ Name: "front", Id: (res.body as { Id: string }).Id, Driver: "bridge", Scope: "local", Internal: true, Labels: { tier: "web" }, IPAM: { Driver: "default", Config: [{ Subnet: "10.9.0.0/16", IPRange: "10.9.1.0/24", Gateway: "10.9.0.254" }] } });
  });

  test("a name in use is 409 in dockerd's words", async () => {
    await raw("POST", "/networks/create", createBody("dup"));
    expect(await answer(await raw("POST", "/networks/create", createBody("dup")))).toMatchObject({ status: 409, body: { message: "network with name dup already exists" } });
  });

  const refusals: [string, unknown, string][] = [
    ["no body", "", "the request has no body"],
    ["no name", { Driver: "bridge" }, "Name must be a string, got nothing"],
    ["an empty name", createBody(""), "network name is required"],
    ["a label that is not a string", createBody("x", { Labels: { a: 1 } }), "Labels.a must be a string, got 1"],
    ["IPv6", createBody("x", { EnableIPv6: true }), "IPv4 only"],
    ["two subnets", createBody("x", { IPAM: { Driver: "default", Config: [{ Subnet: "10.1.0.0/16" }, { Subnet: "10.2.0.0/16" }] } }), "one IPv4 subnet per network"],
    ["a gateway without a subnet", createBody("x", { IPAM: { Config: [{ Gateway: "10.1.0.1" }] } }), "--gateway needs --subnet"],
    ["another IPAM driver", createBody("x", { IPAM: { Driver: "dhcp" } }), "IPAM driver dhcp is not served"],
    ["an ingress network", createBody("x", { Ingress: true }), "ingress networks are swarm's"],
    ["an IPAM config that is not a list", createBody("x", { IPAM: { Config: {} } }), "IPAM.Config must be an array"],
  ];
  test.each(refusals)("400 before anything is made: %s", async (_name, body, words) => {
    const before = networks.networks.length;
    const res = await answer(await raw("POST", "/networks/create", body));
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain(words);
    expect(networks.networks.length).toBe(before);
  });

  test("the engine's refusal of a bad subnet and an unknown driver come through as 400s", async () => {
    expect(await answer(await raw("POST", "/networks/create", createBody("x", { IPAM: { Config: [{ Subnet: "10.1.0.0/33x" }] } })))).toMatchObject({ status: 400, body: { message: "invalid CIDR address: 10.1.0.0/33x" } });
    expect(await answer(await raw("POST", "/networks/create", createBody("x", { Driver: "overlay" })))).toMatchObject({ status: 400 });
  });
});

describe("network ls and inspect", () => {
  test("the list has every network with empty Containers; filters reach the service", async () => {
    const all = await client.list();
    expect(all.map((n) => n.Name)).toEqual(expect.arrayContaining(["bridge", "front", "dup"]));
    expect(all.every((n) => Object.keys(n.Containers ?? {}).length === 0)).toBe(true);
    expect((await client.list({ name: ["fro"] })).map((n) => n.Name)).toEqual(["front"]);
    expect((await client.list({ type: ["builtin"] })).map((n) => n.Name)).toEqual(["bridge"]);
    // docker's other encoding of filters, as docker 28 sends them
    const res = await raw("GET", `/networks?filters=${encodeURIComponent('{"label":{"tier=web":true}}')}`);
    expect(((await res.json()) as { Name: string }[]).map((n) => n.Name)).toEqual(["front"]);
  });

  test("an unknown filter, type or dangling value is dockerd's 400, in its words", async () => {
    expect(await answer(await raw("GET", `/networks?filters=${encodeURIComponent('{"colour":["red"]}')}`))).toMatchObject({ status: 400, body: { message: "invalid filter 'colour'" } });
    expect(await answer(await raw("GET", `/networks?filters=${encodeURIComponent('{"type":["odd"]}')}`))).toMatchObject({ status: 400, body: { message: "invalid filter: 'type'='odd'" } });
    expect(await answer(await raw("GET", `/networks?filters=${encodeURIComponent('{"dangling":["TRUE"]}')}`))).toMatchObject({ status: 400, body: { message: `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")` } });
    expect(await answer(await raw("GET", `/networks?filters=${encodeURIComponent('{"dangling":["true","0"]}')}`))).toMatchObject({ status: 400, body: { message: 'got more than one value for filter key "dangling"' } });
    expect(await answer(await raw("GET", "/networks?filters=notjson"))).toMatchObject({ status: 400 });
  });

  test("inspect by name, id and id prefix; an unknown one is 404 'network X not found'", async () => {
    const id = (await client.inspect("front")).Id;
    expect((await client.inspect(id)).Name).toBe("front");
    expect((await client.inspect(id.slice(0, 12))).Name).toBe("front");
    expect(await answer(await raw("GET", "/networks/nothere"))).toMatchObject({ status: 404, body: { message: "network nothere not found" } });
  });
});

describe("connect and disconnect", () => {
  test("connect records the endpoint (aliases, --ip); the network shows the running container", async () => {
    const body = { Container: "web", EndpointConfig: { IPAMConfig: { IPv4Address: "10.9.1.7" }, Links: null, Aliases: ["www"], MacAddress: "", DriverOpts: {}, GwPriority: 0, NetworkID: "", EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DNSNames: null } };
    expect((await raw("POST", "/networks/front/connect", body)).status).toBe(200);
    const ep = networks.endpoints.get((await client.inspect("front")).Id)![0]!;
    expect(ep.config).toEqual({ aliases: ["www"], ip: "10.9.1.7" });
    expect((await client.inspect("front")).Containers).toEqual({ ["c".repeat(64)]: { Name: "web", EndpointID: expect.stringMatching(/^[0-9a-f]{64}$/), MacAddress: "02:42:ac:12:00:02", IPv4Address: "10.9.1.7/16", IPv6Address: "" } });
  });

  test("connecting twice, an unknown container or network: the engine's refusal with its status", async () => {
    expect((await answer(await raw("POST", "/networks/front/connect", { Container: "web" }))).status).toBe(409);
    expect(await answer(await raw("POST", "/networks/front/connect", { Container: "ghost" }))).toMatchObject({ status: 404, body: { message: "No such container: ghost" } });
    expect(await answer(await raw("POST", "/networks/nothere/connect", { Container: "web" }))).toMatchObject({ status: 404, body: { message: "network nothere not found" } });
  });

  test("bad connect bodies are 400s naming the field", async () => {
    expect(await answer(await raw("POST", "/networks/front/connect", { Container: 5 }))).toMatchObject({ status: 400, body: { message: "Container must be a string, got 5" } });
    expect(await answer(await raw("POST", "/networks/front/connect", { Container: "web", EndpointConfig: { Aliases: "www" } }))).toMatchObject({ status: 400, body: { message: "EndpointConfig.Aliases must be an array of a string, got \"www\"" } });
    expect(await answer(await raw("POST", "/networks/front/connect", { Container: "web", EndpointConfig: { IPAMConfig: { IPv6Address: "::5" } } }))).toMatchObject({ status: 400, body: { code: "API_BODY_INVALID" } });
    expect(await answer(await raw("POST", "/networks/front/disconnect", { Container: "web", Force: "yes" }))).toMatchObject({ status: 400, body: { message: "Force must be true or false, got \"yes\"" } });
  });

  test("a network in use cannot be removed: 403, as dockerd", async () => {
    expect(await answer(await raw("DELETE", "/networks/front"))).toMatchObject({ status: 403, body: { message: expect.stringContaining("has active endpoints") } });
  });

  test("disconnect removes the endpoint", async () => {
    expect((await raw("POST", "/networks/front/disconnect", { Container: "web", Force: false })).status).toBe(200);
    expect((await client.inspect("front")).Containers).toEqual({});
  });
});

describe("remove and prune", () => {
  test("removing the predefined network is 403 in dockerd's words", async () => {
    expect(await answer(await raw("DELETE", "/networks/bridge"))).toMatchObject({ status: 403, body: { message: "bridge is a pre-defined network and cannot be removed" } });
  });

  test("remove answers 204; the network is gone; again is 404", async () => {
    await client.create({ ...createBody("gone"), CheckDuplicate: true } as never);
    expect((await raw("DELETE", "/networks/gone")).status).toBe(204);
    expect((await raw("GET", "/networks/gone")).status).toBe(404);
    expect(await answer(await raw("DELETE", "/networks/gone"))).toMatchObject({ status: 404, body: { message: "network gone not found" } });
  });

  test("prune removes the unused user-defined networks, answers their names and logs dockerd's event", async () => {
    const res = await client.prune({ label: ["tier=web"] });
    expect(res.NetworksDeleted).toEqual(["front"]);
    expect((await client.prune({})).NetworksDeleted).toEqual(["dup"]);
    expect((await client.prune({})).NetworksDeleted).toBeNull();
    expect(emitted.filter((e) => e === "network prune").length).toBe(3);
    expect(await answer(await raw("POST", `/networks/prune?filters=${encodeURIComponent('{"driver":["bridge"]}')}`))).toMatchObject({ status: 400, body: { message: "invalid filter 'driver'" } });
  });
});

// ---- the same routes served by skiffd itself, asked by skiff, docker 28 and docker 20.10

describe("against skiffd: skiff, docker 28 and docker 20.10 say the same", () => {
  let d: Skiffd;
  const cli = (which: "skiff" | "docker28" | "docker20", ...args: string[]): RunResult => (which === "skiff" ? d.skiff(args) : d.docker(which === "docker28" ? DOCKER_28 : DOCKER_20, args));
  const CLIS = ["skiff", "docker28", "docker20"] as const;
  const net = (which: string) => `skiff-test-net-${which}`;

  beforeAll(async () => {
    d = await skiffdWithBusybox();
  }, 120_000);
  afterAll(async () => {
    for (const w of CLIS) cli("skiff", "rm", "-f", `skiff-test-web-${w}`);
    cli("skiff", "network", "prune", "-f");
    await stopAll(d);
    if (d) removeDir(d.dir);
  });

  test("network create prints the id; ls and inspect print what docker 28 prints", () => {
    for (const w of CLIS) expect(ok(cli(w, "network", "create", "--label", `made-by=${w}`, net(w)))).toMatch(/^[0-9a-f]{64}\n$/);
    ok(cli("skiff", "network", "create", "--subnet", "10.231.0.0/24", "--gateway", "10.231.0.254", "--ip-range", "10.231.0.128/25", "--internal", net("sub")));
    // docker's natural order of names: upper case before lower case, numbers by value
    for (const n of ["skiff-test-UP", "skiff-test-n10", "skiff-test-n9"]) ok(cli("skiff", "network", "create", n));
    const ls = ok(cli("docker28", "network", "ls"));
    expect(ls.split("\n")[0]).toMatch(/^NETWORK ID +NAME +DRIVER +SCOPE$/);
    for (const w of CLIS) expect(ls).toContain(net(w));
    expect(ok(cli("skiff", "network", "ls"))).toBe(ls);
    expect(ok(cli("docker20", "network", "ls"))).toBe(ls);
    expect(ls.indexOf("skiff-test-UP") < ls.indexOf("skiff-test-n9") && ls.indexOf("skiff-test-n9") < ls.indexOf("skiff-test-n10")).toBe(true);
    for (const n of ["skiff-test-UP", "skiff-test-n10", "skiff-test-n9"]) ok(cli("skiff", "network", "rm", n));
    for (const args of [["-q"], ["--no-trunc"], ["--filter", `name=${net("sub")}`], ["--filter", "label=made-by=docker20", "--format", "{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}}"], ["--format", "json"], ["--filter", "type=custom", "-q"]])
      expect(ok(cli("skiff", "network", "ls", ...args))).toBe(ok(cli("docker28", "network", "ls", ...args)));
    const inspected = ok(cli("docker28", "network", "inspect", net("sub"), "bridge"));
    expect(ok(cli("skiff", "network", "inspect", net("sub"), "bridge"))).toBe(inspected);
    expect(JSON.parse(inspected)[0]).toMatchObject({ Name: net("sub"), Scope: "local", Driver: "bridge", Internal: true, IPAM: { Driver: "default", Config: [{ Subnet: "10.231.0.0/24", IPRange: "10.231.0.128/25", Gateway: "10.231.0.254" }] } });
    const f = "{{.Name}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels}}";
    for (const w of ["docker28", "docker20"] as const) expect(ok(cli("skiff", "network", "inspect", "-f", f, net(w)))).toBe(ok(cli(w, "network", "inspect", "-f", f, net(w))));
  });

  test("refusals: a name in use, the predefined network, an unknown one, an overlapping or bad subnet: status 1 and dockerd's words from each", () => {
    const cases: [string[], string][] = [
      [["network", "create", net("skiff")], `network with name ${net("skiff")} already exists`],
      [["network", "rm", "bridge"], "bridge is a pre-defined network and cannot be removed"],
      [["network", "rm", "skiff-test-nothere"], "network skiff-test-nothere not found"],
      [["network", "inspect", "skiff-test-nothere"], "network skiff-test-nothere not found"],
      [["network", "connect", "skiff-test-nothere", "x"], "network skiff-test-nothere not found"],
      [["network", "create", "--subnet", "10.231.0.0/16", "skiff-test-overlap"], ""],
      [["network", "create", "--subnet", "10.231.0.0/33", "skiff-test-badcidr"], ""],
    ];
    for (const [args, words] of cases)
      for (const w of CLIS) {
        const r = cli(w, ...args);
        expect({ w, args, status: r.status }).toEqual({ w, args, status: 1 });
        // (docker 20.10 words a 404 of rm and inspect its own way)
        if (w === "docker20" && /^network \S+ not found$/.test(words) && (args[1] === "rm" || args[1] === "inspect")) expect(r.stderr).toContain(`Error: No such network: ${words.split(" ")[1]}`);
        else expect(r.stderr).toContain(`Error response from daemon: ${words}`);
      }
    expect(ok(cli("skiff", "network", "ls", "-q", "--filter", "name=skiff-test-overlap"))).toBe("");
  });

  test("a container on a network with a published port: port, ps, inspect, connect and disconnect read the same through each CLI", () => {
    // networks of its own: their bridges (made at the first container's start) go with them at the end
    const net = (which: string) => `skiff-test-run-${which}`;
    try {
      for (const w of [...CLIS, "more"]) ok(cli("skiff", "network", "create", net(w)));
      for (const w of CLIS) ok(cli(w, "run", "-d", "--name", `skiff-test-web-${w}`, "--network", net(w), "--network-alias", `alias-${w}`, "-p", "127.0.0.1::80", "--expose", "443", "busybox", "httpd", "-f", "-p", "80"));
      for (const w of CLIS) {
        const name = `skiff-test-web-${w}`;
        const port = ok(cli("docker28", "port", name));
        expect(port).toMatch(/^80\/tcp -> 127\.0\.0\.1:\d+\n$/);
        expect(ok(cli("skiff", "port", name))).toBe(port);
        expect(ok(cli("docker20", "port", name))).toBe(port);
        expect(ok(cli("skiff", "port", name, "80"))).toBe(ok(cli("docker28", "port", name, "80/tcp")));
        const f = `{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}} {{$v.Gateway}} {{$v.Aliases}} {{$v.NetworkID}}{{end}} {{json .NetworkSettings.Ports}}`;
        const seen = ok(cli("docker28", "inspect", "-f", f, name));
        expect(seen).toMatch(new RegExp(`^${net(w)} ${net(w)} \\d+\\.\\d+\\.\\d+\\.\\d+ \\d+\\.\\d+\\.\\d+\\.\\d+ \\[alias-${w} [0-9a-f]{12}\\] [0-9a-f]{64} \\{"443/tcp":null,"80/tcp":\\[\\{"HostIp":"127.0.0.1","HostPort":"\\d+"\\}\\]\\}\\n$`));
        expect(ok(cli("skiff", "inspect", "-f", f, name))).toBe(seen);
        expect(ok(cli("docker20", "inspect", "-f", f, name))).toBe(seen);
        const ps = ["ps", "--filter", `name=${name}`, "--format", "{{.Ports}} {{.Networks}}"];
        expect(ok(cli("skiff", ...ps))).toBe(ok(cli("docker28", ...ps)));
        expect(ok(cli("docker28", ...ps))).toMatch(new RegExp(`^443/tcp, 127\\.0\\.0\\.1:\\d+->80/tcp ${net(w)}\\n$`));
      }
      // ps --filter network=, expose=, publish=
      for (const f of [`network=${net("skiff")}`, "expose=80", "expose=440-450/tcp", "publish=80", "network=host"]) {
        const args = ["ps", "--filter", f, "--filter", "name=skiff-test-web", "--format", "{{.Names}}"];
        expect(ok(cli("skiff", ...args))).toBe(ok(cli("docker28", ...args)));
      }
      expect(ok(cli("docker28", "ps", "--filter", `network=${net("skiff")}`, "--format", "{{.Names}}"))).toBe("skiff-test-web-skiff\n");
      // the network lists its running containers
      const members = JSON.parse(ok(cli("docker28", "network", "inspect", "-f", "{{json .Containers}}", net("skiff")))) as Record<string, { Name: string; IPv4Address: string }>;
      expect(Object.values(members).map((m) => m.Name)).toEqual(["skiff-test-web-skiff"]);
      // in use: 403, dockerd's words
      for (const w of CLIS) expect(cli(w, "network", "rm", net("skiff")).stderr).toContain("has active endpoints");
      // connect and disconnect of the running containers
      for (const w of CLIS) {
        const name = `skiff-test-web-${w}`;
        ok(cli(w, "network", "connect", "--alias", `more-${w}`, net("more"), name));
        const nets = ok(cli("docker28", "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.Aliases}} {{end}}", name));
        expect(nets).toMatch(new RegExp(`${net("more")}=\\[more-${w} [0-9a-f]{12}\\]`));
        expect(ok(cli("skiff", "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.Aliases}} {{end}}", name))).toBe(nets);
        expect(cli(w, "network", "connect", net("more"), name).status).toBe(1); // twice
        ok(cli(w, "network", "disconnect", net("more"), name));
        expect(ok(cli("docker28", "inspect", "-f", "{{len .NetworkSettings.Networks}}", name))).toBe("1\n");
      }
    } finally {
      for (const w of CLIS) cli("skiff", "rm", "-f", `skiff-test-web-${w}`);
      for (const w of [...CLIS, "more"]) cli("skiff", "network", "rm", net(w));
    }
  }, 120_000);

  test("rm and prune: the names removed, as docker prints them", () => {
    expect(ok(cli("docker20", "network", "rm", net("docker20")))).toBe(`${net("docker20")}\n`);
    expect(cli("skiff", "network", "rm", "-f", "skiff-test-nothere")).toMatchObject({ status: 0, stdout: "" });
    // docker inspect NAME finds a network after containers and images
    expect(ok(cli("skiff", "inspect", net("docker28")))).toBe(ok(cli("docker28", "inspect", net("docker28"))));
    expect(ok(cli("skiff", "inspect", "--type", "network", "-f", "{{.Name}}", net("docker28")))).toBe(`${net("docker28")}\n`);
    // system prune takes unused networks too
    const system = ok(cli("skiff", "system", "prune", "-f", "--filter", "label=made-by=docker28"));
    expect(system).toContain(`Deleted Networks:\n${net("docker28")}\n\n`);
    const pruned = ok(cli("skiff", "network", "prune", "-f"));
    expect(pruned.split("\n").slice(1).filter(Boolean).sort()).toEqual([net("skiff"), net("sub")].sort());
    expect(pruned.startsWith("Deleted Networks:\n")).toBe(true);
    expect(ok(cli("docker28", "network", "prune", "-f"))).toBe("");
    // the predefined networks stay: bridge, host and none, as docker's
    expect(ok(cli("skiff", "network", "ls", "--format", "{{.Name}}"))).toBe("bridge\nhost\nnone\n");
  });
});
