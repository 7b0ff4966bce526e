import { expect, test } from "bun:test";
import { naturalCompare, naturalLess } from "./natural-order.ts";

test("Go's sortorder.NaturalLess: numbers by value, digits first, bytes otherwise (upper case first)", () => {
  expect(["bridge", "x_y", "UPPER", "a.b", "net10", "net9", "net09", "9", "_"].sort(naturalCompare)).toEqual(["9", "UPPER", "_", "a.b", "bridge", "net9", "net09", "net10", "x_y"]);
  expect(["80/tcp -> 0.0.0.0:8080", "443/tcp -> 0.0.0.0:8443", "80/tcp -> [::]:8080"].sort(naturalCompare)).toEqual(["80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080", "443/tcp -> 0.0.0.0:8443"]);
  expect(naturalLess("a", "ab")).toBe(true);
  expect(naturalLess("ab", "a")).toBe(false);
  expect(naturalLess("a", "a")).toBe(false);
  expect(naturalLess("a1", "a01")).toBe(true);
});
