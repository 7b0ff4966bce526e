// The host's resolvers for forwarding, from injected resolv.conf contents.
import { expect, test } from "bun:test";
import { HOST_RESOLV_CONF, hostUpstreams, isLoopback, nameserversOf, parseUpstream, SYSTEMD_RESOLV_CONF } from "./upstreams.ts";

const files = (host?: string, systemd?: string) => (path: string) => (path === HOST_RESOLV_CONF ? host : path === SYSTEMD_RESOLV_CONF ? systemd : undefined);
const RESOLVED_STUB = "# This is /run/systemd/resolve/stub-resolv.conf\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
const RESOLVED_UPSTREAMS = "# This is /run/systemd/resolve/resolv.conf\nnameserver 192.168.1.1\nnameserver fe80::1%wlan0\nnameserver 2001:db8::53\nsearch lan\n";

test("the nameservers of /etc/resolv.conf, in order, at most three", () => {
  expect(hostUpstreams(files("nameserver 10.0.0.2\n# nameserver 10.9.9.9\n  nameserver\t10.0.0.3 \nnameserver bogus\nnameserver 1.1.1.1\nnameserver 8.8.8.8\n"))).toEqual(["10.0.0.2", "10.0.0.3", "1.1.1.1"]);
});

test("systemd-resolved's stub is replaced by its upstreams; a zone index is dropped", () => {
  expect(hostUpstreams(files(RESOLVED_STUB, RESOLVED_UPSTREAMS))).toEqual(["192.168.1.1", "fe80::1", "2001:db8::53"]);
  expect(hostUpstreams(files("nameserver 127.0.0.1\nnameserver ::1\n", RESOLVED_UPSTREAMS))).toEqual(["192.168.1.1", "fe80::1", "2001:db8::53"]);
});

test("a loopback stub without systemd-resolved's file is kept (skiffd forwards from the host's namespace, where it answers)", () => {
  expect(hostUpstreams(files(RESOLVED_STUB))).toEqual(["127.0.0.53"]);
  expect(hostUpstreams(files(RESOLVED_STUB, "nameserver 127.0.0.1\n"))).toEqual(["127.0.0.53"]);
});

test("a mix of loopback and other nameservers is kept as it is", () => {
  expect(hostUpstreams(files("nameserver 127.0.0.53\nnameserver 10.0.0.1\n", RESOLVED_UPSTREAMS))).toEqual(["127.0.0.53", "10.0.0.1"]);
});

test("no /etc/resolv.conf, or no nameserver in it: systemd-resolved's, else none", () => {
  expect(hostUpstreams(files(undefined, RESOLVED_UPSTREAMS))).toEqual(["192.168.1.1", "fe80::1", "2001:db8::53"]);
  expect(hostUpstreams(files("search lan\n"))).toEqual([]);
  expect(hostUpstreams(files())).toEqual([]);
});

test("the real host's resolv.conf can be read", () => {
  expect(Array.isArray(hostUpstreams())).toBe(true);
});

test("upstream specs and loopback addresses", () => {
  expect(parseUpstream("10.0.0.1")).toEqual({ host: "10.0.0.1", port: 53 });
  expect(parseUpstream("127.0.0.1:5353")).toEqual({ host: "127.0.0.1", port: 5353 });
  expect(parseUpstream("[2001:db8::1]:53")).toEqual({ host: "2001:db8::1", port: 53 });
  expect(parseUpstream("2001:db8::1")).toEqual({ host: "2001:db8::1", port: 53 });
  for (const bad of ["", "host.example", "10.0.0.1:0", "10.0.0.1:65536", "[10.0.0.1]:53", "10.0.0.256", "::1:53x"]) expect(parseUpstream(bad)).toBeUndefined();
  expect(nameserversOf("nameserver 10.0.0.1 # comment\nnameserver10.0.0.2\n")).toEqual(["10.0.0.1"]);
  expect(["127.0.0.53", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1"].every(isLoopback)).toBe(true);
  expect(["10.0.0.1", "::", "::2", "fe80::1"].some(isLoopback)).toBe(false);
});
