import { describe, expect, test } from "bun:test";
import { refusalOf } from "../../common/testing/refusal.ts";
import { portRequests } from "./port-specs.ts";

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
  ])("%j: %s", (b, message) => expect(refusalOf(() => portRequests(b as never))).toBe(`engine invalid_argument: ${message}`));
});
