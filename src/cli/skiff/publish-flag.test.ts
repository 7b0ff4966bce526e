// -p as docker 28's CLI reads it: the bodies and refusals below are what docker 28 sent to (or
// printed before) a daemon that recorded the create body; then the properties of publish-flag.fuzz.ts,
// seeded (scripts/fuzz.ts runs them long).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { refusalOf } from "../../common/testing/refusal.ts";
import { PUBLISH_FLAG_PROPERTIES } from "./publish-flag.fuzz.ts";
import { parsePublishFlags } from "./publish-flag.ts";

const bindings = (...values: string[]) => parsePublishFlags(values).portBindings;

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
  test("an IPv6 host address with a dotted tail, as Go's net.ParseIP takes it", () => {
    expect(bindings("[1:2::3:4:5:1.2.3.4]:80:80")).toEqual({ "80/tcp": [{ HostIp: "1:2::3:4:5:1.2.3.4", HostPort: "80" }] });
  });
  test("every long-syntax value is converted before any is read: its refusal comes first, as docker's", () => {
    expect(refusalOf(() => bindings("x", "a=b,c"))).toBe("cli invalid_argument: invalid publish opts format (should be name=value but got 'c')");
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
    // where skiff's first reading of -p differed from docker 28's (docker's answers)
    ["::1::80:80", "invalid IP address: ::1:"],
    ["0/hX", "invalid proto: hX"],
    ["[::1]x:80:80", "invalid IP address [::1]x: address [::1]x:: missing port in address"],
    ["[::1]]:80:80", "invalid IP address [::1]]: address [::1]]:: missing port in address"],
    ["[[::1]:80:80", "invalid IP address [[::1]: address [[::1]:: unexpected '[' in address"],
    ["[a[b]::.-,:cSe,-", "invalid IP address [a[b]:: address [a[b]::: too many colons in address"],
    ["[a]b]:80:80", "invalid IP address [a]b]: address [a]b]:: missing port in address"],
  ])("%j: %s", (value, message) => expect(refusalOf(() => parsePublishFlags([value]))).toBe(`cli invalid_argument: ${message}`));
});

describe("-p, fuzzed (seeded)", () => {
  for (const [name, property] of Object.entries(PUBLISH_FLAG_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 12, numRuns: 3000 }), 30_000);
});
