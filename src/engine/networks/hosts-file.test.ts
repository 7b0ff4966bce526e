import { describe, expect, test } from "bun:test";
import { refusalOf } from "../../common/testing/refusal.ts";
import { containerHostsFile, extraHostRecords, hostNetworkHostsFile, hostsFile, ownNames } from "./hosts-file.ts";

const LOCALHOST = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\nff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

describe("/etc/hosts of a container on a bridge network (docker 28's)", () => {
  test("localhost records, --add-host records in order, then the container's own address", () => {
    expect(hostsFile({ hostname: "0123456789ab", addresses: ["172.17.0.2"], extraHosts: ["db:10.0.0.5", "gw:host-gateway", "v6:::1"], hostGateway: "172.17.0.1" })).toBe(
      `${LOCALHOST}10.0.0.5\tdb\n172.17.0.1\tgw\n::1\tv6\n172.17.0.2\t0123456789ab\n`,
    );
  });
  test("no address yet (at create, or --network none): no own record", () => {
    expect(hostsFile({ hostname: "web", extraHosts: [] })).toBe(LOCALHOST);
  });
  test("one record per network, in the order joined", () => {
    expect(containerHostsFile({ hostname: "web", addresses: ["172.18.0.2", "172.19.0.3"], extraHosts: [] }).split("\n").slice(6)).toEqual(["172.18.0.2\tweb", "172.19.0.3\tweb", ""]);
  });
  test("the FQDN and the bare name: --hostname with a dot, or --domainname", () => {
    expect(ownNames("web", undefined)).toBe("web");
    expect(ownNames("web", "example.org")).toBe("web.example.org web");
    expect(ownNames("web.example.org", undefined)).toBe("web.example.org web");
  });
  test("IPv6 off in the container: no IPv6 record at all (docker's BuildNoIPv6)", () => {
    expect(hostsFile({ hostname: "h", addresses: ["10.0.0.2"], extraHosts: ["a:1.2.3.4", "b:::1"], ipv6: false })).toBe("127.0.0.1\tlocalhost\n1.2.3.4\ta\n10.0.0.2\th\n");
  });
  test("extra hosts' addresses are written as netip writes them", () => {
    expect(extraHostRecords(["a:0:0:0:0:0:0:0:1", "b:[::FFFF:1.2.3.4]", "c= 1.2.3.4 ", "d=FE80::1"])).toEqual([
      { ip: "::1", names: "a" },
      { ip: "::ffff:1.2.3.4", names: "b" },
      { ip: "1.2.3.4", names: "c" },
      { ip: "fe80::1", names: "d" },
    ]);
  });
  test("host-gateway with no gateway known: dockerd's message", () => {
    expect(refusalOf(() => hostsFile({ hostname: "h", extraHosts: ["x:host-gateway"] }))).toBe("engine invalid_argument: unable to derive the IP value for host-gateway");
  });
});

// The daemon's check of what the API brings (the CLI's of --add-host: cli/skiff/network-flags.test.ts).
describe("ExtraHosts entries, checked again by the daemon", () => {
  test("both of docker's forms, brackets, host-gateway", () => {
    expect(extraHostRecords(["a=1.2.3.4", "b:[::1]", "c:host-gateway"], "172.17.0.1")).toEqual([
      { ip: "1.2.3.4", names: "a" },
      { ip: "::1", names: "b" },
      { ip: "172.17.0.1", names: "c" },
    ]);
  });
  test.each([
    ["a", 'bad format for add-host: "a"'],
    [":1.2.3.4", 'bad format for add-host: ":1.2.3.4"'],
    ["a:b", 'invalid IP address in add-host: "b"'],
    ["a:fe80::1%eth0", 'invalid IP address in add-host: "fe80::1%eth0"'],
    // a line break in the name would write records of its own: refused (docker lets it through)
    ["a\nb:1.2.3.4", 'bad format for add-host: "a\\nb:1.2.3.4"'],
    ["a\nb:x", 'bad format for add-host: "a\\nb:x"'],
  ])("%j: %s", (value, message) => expect(refusalOf(() => extraHostRecords([value], "172.17.0.1"))).toBe(`engine invalid_argument: ${message}`));
});

describe("--network host", () => {
  test("the host's file as it is", () => {
    expect(hostNetworkHostsFile("127.0.0.1 localhost myhost\n", [])).toBe("127.0.0.1 localhost myhost\n");
    expect(hostNetworkHostsFile(undefined, [])).toBe("127.0.0.1\tlocalhost\n");
  });
  test("with --add-host: docker 28's own file (localhost and the entries), so an entry can override a host name", () => {
    expect(hostNetworkHostsFile("127.0.0.1 localhost myhost\n", [{ ip: "10.0.0.1", names: "myhost" }])).toBe(`${LOCALHOST}10.0.0.1\tmyhost\n`);
  });
});
