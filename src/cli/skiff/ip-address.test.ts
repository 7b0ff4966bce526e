import { expect, test } from "bun:test";
import { canonicalIp } from "./ip-address.ts";

test("canonicalIp: Go's forms (IPv6 compressed, lower case, IPv4-mapped as IPv4), nothing else", () => {
  expect(["1.2.3.4", "2001:DB8::0001", "::ffff:1.2.3.4", "::", "::1.2.3.4", "1:2::3:4:5:1.2.3.4"].map(canonicalIp)).toEqual(["1.2.3.4", "2001:db8::1", "1.2.3.4", "::", "::102:304", "1:2:0:3:4:5:102:304"]);
  expect(["01.2.3.4", "1.2.3", "256.1.1.1", "x", "", "[::1]", "1::2::3", "fe80::1%eth0", "::1:", ":1::", "1::01.2.3.4", "1:2:3:4:5:6:7:1.2.3.4"].map(canonicalIp)).toEqual(Array(12).fill(undefined));
});
