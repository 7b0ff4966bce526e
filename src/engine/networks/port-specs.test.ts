import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { parsePublishFlags, portRequests } from "./port-specs.ts";

const messageOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!isSkiffError(e)) throw e;
    return `${e.layer} ${e.kind}: ${e.message}`;
  }
  throw new Error("no error");
};
const bindings = (...values: string[]) => parsePublishFlags(values).portBindings;

// What docker 28's CLI sent to a daemon that recorded the create body (see the report of issue 12's helper).
describe("-p as docker 28's CLI reads it", () => {
  test.each([
    ["80", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["8080:80", { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    ["0:80", { "80/tcp": [{ HostIp: "", HostPort: "0" }] }],
    [":80", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["127.0.0.1:8080:80", { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] }],
    ["1.2.3.4::80/udp", { "80/udp": [{ HostIp: "1.2.3.4", HostPort: "" }] }],
    ["80/UDP", { "80/udp": [{ HostIp: "", HostPort: "" }] }],
    ["80/sctp", { "80/sctp": [{ HostIp: "", HostPort: "" }] }],
    ["80/", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["80/tcp/udp", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["080", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["00080:080", { "80/tcp": [{ HostIp: "", HostPort: "80" }] }],
    ["0", { "0/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["8000-8010:80", { "80/tcp": [{ HostIp: "", HostPort: "8000-8010" }] }],
    ["127.0.0.1:8080-8081:80", { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080-8081" }] }],
    ["80-80:80", { "80/tcp": [{ HostIp: "", HostPort: "80" }] }],
    ["0-0:80", { "80/tcp": [{ HostIp: "", HostPort: "0" }] }],
    ["80-81:90", { "90/tcp": [{ HostIp: "", HostPort: "80-81" }] }],
    ["8000-8001:80-81", { "80/tcp": [{ HostIp: "", HostPort: "8000" }], "81/tcp": [{ HostIp: "", HostPort: "8001" }] }],
    ["80-81/udp", { "80/udp": [{ HostIp: "", HostPort: "" }], "81/udp": [{ HostIp: "", HostPort: "" }] }],
    ["1-2-3", { "1/tcp": [{ HostIp: "", HostPort: "" }], "2/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["[::1]:80:80", { "80/tcp": [{ HostIp: "::1", HostPort: "80" }] }],
    ["::1:80:80", { "80/tcp": [{ HostIp: "::1", HostPort: "80" }] }],
    ["[::1]::80", { "80/tcp": [{ HostIp: "::1", HostPort: "" }] }],
    ["[::]:80:80", { "80/tcp": [{ HostIp: "::", HostPort: "80" }] }],
    ["[]:80:80", { "80/tcp": [{ HostIp: "", HostPort: "80" }] }],
    ["[1.2.3.4]:80:80", { "80/tcp": [{ HostIp: "1.2.3.4", HostPort: "80" }] }],
    ["::80", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["target=80,published=8080", { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    ["target=80", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["published=8080,target=80,protocol=udp,host_ip=1.2.3.4", { "80/udp": [{ HostIp: "", HostPort: "8080" }] }],
    ["mode=bad,target=80", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["target=80,protocol=UDP", { "80/udp": [{ HostIp: "", HostPort: "" }] }],
    ["target=80,published=8000-8001", { "80/tcp": [{ HostIp: "", HostPort: "8000-8001" }] }],
  ])("%j", (value, expected) => {
    const out = parsePublishFlags([value]);
    expect(out.portBindings).toEqual(expected as never);
    expect(Object.keys(out.exposedPorts)).toEqual(Object.keys(expected));
  });
  test("several -p: bindings of one port together, in order", () => {
    expect(bindings("80", "8080:80", "1.2.3.4:80:80/udp")).toEqual({ "80/tcp": [{ HostIp: "", HostPort: "" }, { HostIp: "", HostPort: "8080" }], "80/udp": [{ HostIp: "1.2.3.4", HostPort: "80" }] });
  });
  test.each([
    ["x", "invalid containerPort: x"],
    ["80:x", "invalid containerPort: x"],
    ["x:80", "invalid hostPort: x"],
    ["1.2.3.4:80:80/foo", "invalid proto: foo"],
    ["65536", "invalid containerPort: 65536"],
    ["80:", "no port specified: 80:<empty>"],
    ["/tcp", "no port specified: /tcp<empty>"],
    ["", "no port specified: <empty>"],
    ["5-3", "invalid containerPort: 5-3"],
    ["-1", "invalid containerPort: -1"],
    ["+80", "invalid containerPort: +80"],
    ["80 ", "invalid containerPort: 80 "],
    ["-", "invalid containerPort: -"],
    ["80-", "invalid containerPort: 80-"],
    ["1_0", "invalid containerPort: 1_0"],
    ["0x50", "invalid containerPort: 0x50"],
    ["[::1:80:80", "invalid IP address [::1: address [::1:: missing ']' in address"],
    ["a.b:80:80", "invalid IP address: a.b"],
    ["fe80::1%eth0:80:80", "invalid IP address: fe80::1%eth0"],
    ["1.2.3.4:80", "invalid hostPort: 1.2.3.4"],
    ["80:80:80:80", "invalid IP address: 80:80"],
    [":::80", "invalid IP address: :"],
    ["8000-8002:80-81", "invalid ranges specified for container and host Ports: 80-81 and 8000-8002"],
    ["90:80-81", "invalid ranges specified for container and host Ports: 80-81 and 90"],
    ["8001-8000:80", "invalid hostPort: 8001-8000"],
    ["65535-65536:80", "invalid hostPort: 65535-65536"],
    ["target=x", "invalid containerPort: x"],
    ["foo=1", "no port specified: :/tcp<empty>"],
    ["published=80", "no port specified: 80:/tcp<empty>"],
    ["protocol=icmp,target=80", "invalid proto: icmp"],
    ["a=b,c", "invalid publish opts format (should be name=value but got 'c')"],
    ["target=80,,published=1", "invalid publish opts format (should be name=value but got '')"],
    ["target=70000", "invalid containerPort: 70000"],
  ])("%j: %s", (value, message) => expect(messageOf(() => parsePublishFlags([value]))).toBe(`cli invalid_argument: ${message}`));
});

describe("the mappings a container's PortBindings ask for", () => {
  test("host address empty → all IPv4 addresses; host port empty or 0 → chosen at start; a range → chosen in it", () => {
    expect(portRequests({ "80/tcp": [{ hostIp: "", hostPort: "" }, { hostIp: "127.0.0.1", hostPort: "8080" }], "53/udp": [{ HostIp: "", HostPort: "0" }], "81/tcp": [{ hostIp: "", hostPort: "8000-8010" }] })).toEqual([
      { hostIp: "0.0.0.0", hostPort: 0, containerPort: 80, protocol: "tcp" },
      { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: "0.0.0.0", hostPort: 0, containerPort: 53, protocol: "udp" },
      { hostIp: "0.0.0.0", hostPort: 8000, hostPortEnd: 8010, containerPort: 81, protocol: "tcp" },
    ]);
  });
  test("-P: every exposed port without a binding of its own, to a chosen port; an empty list publishes only with -P", () => {
    expect(portRequests({ "80/tcp": [{ hostIp: "", hostPort: "8080" }], "90/tcp": [] }, ["80/tcp", "443/tcp", "90/tcp", "53/udp", "22"])).toEqual([
      { hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: "0.0.0.0", hostPort: 0, containerPort: 443, protocol: "tcp" },
      { hostIp: "0.0.0.0", hostPort: 0, containerPort: 90, protocol: "tcp" },
      { hostIp: "0.0.0.0", hostPort: 0, containerPort: 53, protocol: "udp" },
      { hostIp: "0.0.0.0", hostPort: 0, containerPort: 22, protocol: "tcp" },
    ]);
    expect(portRequests({ "90/tcp": [], "91/tcp": null })).toEqual([]);
  });
  test.each([
    [{ "80/sctp": [{ hostIp: "", hostPort: "" }] }, "cannot publish 80/sctp: sctp ports are not supported"],
    [{ "x/tcp": [{ hostIp: "", hostPort: "" }] }, 'invalid port specification: "x"'],
    [{ "0/tcp": [{ hostIp: "", hostPort: "" }] }, 'invalid port specification: "0"'],
    [{ "70000/tcp": [{ hostIp: "", hostPort: "" }] }, 'invalid port specification: "70000"'],
    [{ "80/tcp": [{ hostIp: "", hostPort: "x" }] }, 'invalid port specification: "x"'],
    [{ "80/tcp": [{ hostIp: "nope", hostPort: "" }] }, "invalid IP address: nope"],
    [{ "80/tcp": [{ hostIp: "::1", hostPort: "80" }] }, "cannot publish on ::1: IPv6 host addresses are not supported"],
    [{ "80/icmp": [{ hostIp: "", hostPort: "" }] }, "invalid proto: icmp"],
  ])("%j: %s", (b, message) => expect(messageOf(() => portRequests(b as never))).toBe(`engine invalid_argument: ${message}`));
});
