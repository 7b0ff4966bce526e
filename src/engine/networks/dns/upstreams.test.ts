import { expect, test } from "bun:test";
import { parseUpstream } from "./upstreams.ts";

test("upstream specs: IP, IP:PORT, [IPv6]:PORT, a bare IPv6 address; anything else is none", () => {
  expect(parseUpstream("10.0.0.1")).toEqual({ host: "10.0.0.1", port: 53 });
  expect(parseUpstream("127.0.0.1:5353")).toEqual({ host: "127.0.0.1", port: 5353 });
  expect(parseUpstream("[2001:db8::1]:53")).toEqual({ host: "2001:db8::1", port: 53 });
  expect(parseUpstream("2001:db8::1")).toEqual({ host: "2001:db8::1", port: 53 });
  for (const bad of ["", "host.example", "10.0.0.1:0", "10.0.0.1:65536", "[10.0.0.1]:53", "10.0.0.256", "::1:53x"]) expect(parseUpstream(bad)).toBeUndefined();
});
