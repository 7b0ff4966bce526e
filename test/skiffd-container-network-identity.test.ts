// What a container sees of its network identity, against docker 28, through a skiffd started here
// (issue 12's new-user trial): IPv6 off on the interfaces of IPv4-only networks while lo keeps ::1
// (docker 26.0.2+, CVE-2024-32473); --network container:NAME taking the joined container's hostname
// and domainname, and refusing --hostname as dockerd does; --domainname reaching the UTS namespace
// and inspect; a failed start keeping the exit code of the run before it; `port` of a port that is
// not published, in docker's words.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { DOCKER_28, type RunResult, type Skiffd } from "./harness/skiffd.ts";
import { api, skiffdWithBusybox } from "./harness/skiffd-leftovers.ts";

let d: Skiffd;
const skiff = (...args: string[]): RunResult => d.skiff(args);
const docker = (...args: string[]): RunResult => d.docker(DOCKER_28, args);
const ok = (r: RunResult): string => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

/** A TCP port nothing on the host listens on now. */
function freePort(): number {
  const s = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

beforeAll(async () => {
  d = await skiffdWithBusybox();
});

afterAll(async () => {
  const left = skiff("ps", "-aq").stdout.split("\n").filter(Boolean);
  if (left.length) skiff("rm", "-f", ...left);
  await d?.stop();
});

test.skipIf(!existsSync("/proc/sys/net/ipv6"))("IPv6 is off on eth0 of the default bridge (no fe80:: address), lo keeps ::1; --network host is left as it is", async () => {
  const out = ok(skiff("run", "--rm", "busybox", "sh", "-c", "cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6; ip -6 addr show eth0; echo ---; ip -6 addr show lo"));
  const [eth0, lo] = out.split("---\n") as [string, string];
  expect(eth0.split("\n")[0]).toBe("1");
  expect(eth0).not.toContain("fe80");
  expect(lo).toContain("::1/128");
  // docker's CLI runs the same: no link-local address either
  expect(ok(docker("run", "--rm", "busybox", "ip", "-6", "addr", "show", "eth0"))).not.toContain("fe80");
  // the host's namespace gets no sysctl of a container's
  const hostDefault = () => Bun.file("/proc/sys/net/ipv6/conf/default/disable_ipv6").text();
  const before = await hostDefault();
  ok(skiff("run", "--rm", "--network", "host", "busybox", "true"));
  expect(await hostDefault()).toBe(before);
});

test("--network container:NAME takes the joined container's hostname and domainname; --hostname beside it is refused as dockerd refuses it", async () => {
  ok(skiff("run", "-d", "--name", "holder", "--hostname", "holderhost", "--domainname", "example.org", "busybox", "sleep", "300"));
  try {
    const out = ok(skiff("run", "--rm", "--network", "container:holder", "busybox", "sh", "-c", "hostname; cat /etc/hostname; cat /proc/sys/kernel/domainname"));
    expect(out).toBe("holderhost\nholderhost\nexample.org\n");
    const joined = ok(docker("create", "--network", "container:holder", "busybox", "true")).trim();
    expect(ok(docker("inspect", "--format", "{{.Config.Hostname}} {{.Config.Domainname}}", joined)).trim()).toBe("holderhost example.org");
    skiff("rm", "-f", joined);

    const message = "conflicting options: hostname and the network mode";
    const viaApi = await api(d, "POST", "/v1.41/containers/create", { Image: "busybox", Hostname: "foo", HostConfig: { NetworkMode: "container:holder" } });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.message).toBe(message);
    const viaDocker = docker("run", "--network", "container:holder", "-h", "foo", "busybox", "true");
    expect(viaDocker.status).toBe(125);
    expect(viaDocker.stderr).toContain(`Error response from daemon: ${message}`);
    const viaSkiff = skiff("run", "--network", "container:holder", "-h", "foo", "busybox", "true");
    expect(viaSkiff.status).toBe(125);
    expect(viaSkiff.stderr).toContain(`Error response from daemon: ${message}`);
    expect(skiff("ps", "-aq").stdout.trim().split("\n")).toHaveLength(1); // nothing was made
  } finally {
    skiff("rm", "-f", "holder");
  }
});

test("--hostname with --domainname: the UTS domainname, and Config.Domainname in inspect", () => {
  for (const run of [skiff, docker]) {
    const out = ok(run("run", "--name", "dn", "--hostname", "myhost", "--domainname", "example.org", "busybox", "sh", "-c", "hostname; cat /proc/sys/kernel/domainname"));
    try {
      expect(out).toBe("myhost\nexample.org\n");
      expect(ok(run("inspect", "--format", "{{.Config.Hostname}} {{.Config.Domainname}}", "dn")).trim()).toBe("myhost example.org");
    } finally {
      skiff("rm", "-f", "dn");
    }
  }
  // without it, the kernel's "(none)", as under docker
  expect(ok(skiff("run", "--rm", "busybox", "cat", "/proc/sys/kernel/domainname"))).toBe("(none)\n");
});

// the line comes from the networks' /etc/hosts writer (networking.ts passes domainname to hostsFile)
test("--hostname with --domainname: /etc/hosts names the container myhost.example.org myhost", () => {
  const out = ok(skiff("run", "--rm", "--hostname", "myhost", "--domainname", "example.org", "busybox", "cat", "/etc/hosts"));
  expect(out).toMatch(/^\d+\.\d+\.\d+\.\d+\tmyhost\.example\.org myhost$/m);
});

test("a start that fails keeps the exit code of the run before it, and sets 128 only over a 0", () => {
  const port = freePort();
  const made: string[] = [];
  try {
    for (const [name, code] of [["e137", 137], ["e0", 0]] as const) {
      made.push(ok(skiff("run", "-d", "--name", name, "-p", `${port}:80`, "busybox", "sh", "-c", `exit ${code}`)).trim());
      expect(ok(skiff("wait", name)).trim()).toBe(String(code));
    }
    // the port both were published on is another's now: their next start fails
    made.push(ok(skiff("run", "-d", "--name", "holder", "-p", `${port}:80`, "busybox", "sleep", "300")).trim());
    for (const [name, code] of [["e137", 137], ["e0", 128]] as const) {
      const start = skiff("start", name);
      expect(start.status).not.toBe(0);
      expect(start.stderr).toContain("port is already allocated");
      const state = JSON.parse(ok(skiff("inspect", "--format", "{{json .State}}", name)));
      expect([state.Status, state.ExitCode]).toEqual(["exited", code]);
      expect(state.Error).toContain("port is already allocated");
      expect(ok(skiff("ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Status}}"))).toStartWith(`Exited (${code})`);
    }
  } finally {
    if (made.length) skiff("rm", "-f", ...made);
  }
});

test("port of a port that is not published: docker 28's message and status", () => {
  ok(skiff("run", "-d", "--name", "portc", "-p", `${freePort()}:80`, "busybox", "sleep", "300"));
  try {
    // (docker 28 names the port as it was asked for)
    for (const asked of ["81", "81/udp"]) {
      const theirs = docker("port", "portc", asked);
      const ours = skiff("port", "portc", asked);
      expect(theirs.stderr.trim()).toBe(`Error: No public port '${asked}' published for portc`);
      expect([ours.status, theirs.status]).toEqual([1, 1]);
      expect(ours.stderr.split("\n")[0]).toStartWith(theirs.stderr.trim());
    }
    const [theirs, ours] = [docker("port", "portc", "x80"), skiff("port", "portc", "x80")];
    expect([ours.status, theirs.status]).toEqual([1, 1]);
    expect(theirs.stderr).toStartWith("Error: invalid port (x80)");
    expect(ours.stderr).toContain("invalid port (x80)");
    expect(ours.stderr).not.toContain("Error: Error:");
  } finally {
    skiff("rm", "-f", "portc");
  }
});
