import { describe, expect, test } from "bun:test";
import { endpointsFor, isInsecureRegistry, paths, redactUrl, uploadUrl } from "./registry-url.ts";

describe("endpointsFor", () => {
  const cases: [string, boolean, string[]][] = [
    ["ghcr.io", false, ["https://ghcr.io"]],
    ["docker.io", false, ["https://registry-1.docker.io"]],
    ["localhost:5000", false, ["https://localhost:5000", "http://localhost:5000"]],
    ["127.0.0.1:5000", false, ["https://127.0.0.1:5000", "http://127.0.0.1:5000"]],
    ["127.1.2.3", false, ["https://127.1.2.3", "http://127.1.2.3"]],
    ["[::1]:5000", false, ["https://[::1]:5000", "http://[::1]:5000"]],
    ["reg.internal:5000", true, ["https://reg.internal:5000", "http://reg.internal:5000"]],
    ["128.0.0.1:5000", false, ["https://128.0.0.1:5000"]],
  ];
  for (const [domain, insecure, want] of cases) test(`${domain}${insecure ? " (insecure)" : ""}`, () => expect(endpointsFor(domain, { insecure }).map((e) => e.base)).toEqual(want));

  test("TLS verification is skipped only where plain HTTP is allowed anyway", () => {
    expect(endpointsFor("ghcr.io")[0]!.skipVerify).toBe(false);
    expect(endpointsFor("reg:5000", { insecure: true })[0]!.skipVerify).toBe(true);
  });
});

test("isInsecureRegistry matches host[:port] entries and IPv4 and IPv6 CIDRs", () => {
  const list = ["reg.internal:5000", "10.0.0.0/8", "http://other:80/"];
  expect(isInsecureRegistry("reg.internal:5000", list)).toBe(true);
  expect(isInsecureRegistry("reg.internal:5001", list)).toBe(false);
  expect(isInsecureRegistry("10.2.3.4:5000", list)).toBe(true);
  expect(isInsecureRegistry("11.2.3.4", list)).toBe(false);
  expect(isInsecureRegistry("other:80", list)).toBe(true);
  expect(isInsecureRegistry("anything", ["0.0.0.0/0"])).toBe(false);
  expect(isInsecureRegistry("1.2.3.4:5000", ["0.0.0.0/0"])).toBe(true);
  const v6 = ["2001:db8::/120", "fd00::1"];
  expect(isInsecureRegistry("[2001:db8::5]:5000", v6)).toBe(true);
  expect(isInsecureRegistry("[2001:db8::1:5]:5000", v6)).toBe(false);
  expect(isInsecureRegistry("[fd00::1]:443", v6)).toBe(true);
  expect(isInsecureRegistry("10.0.0.1", v6)).toBe(false);
  expect(isInsecureRegistry("[2001:db8::5]", ["10.0.0.0/8"])).toBe(false);
});

test("paths of the distribution API", () => {
  expect(paths.manifest("library/busybox", "latest")).toBe("/v2/library/busybox/manifests/latest");
  expect(paths.blob("a/b", "sha256:00")).toBe("/v2/a/b/blobs/sha256:00");
  expect(paths.uploads("a/b")).toBe("/v2/a/b/blobs/uploads/");
  expect(paths.mount("a/b", "sha256:00", "c/d")).toBe("/v2/a/b/blobs/uploads/?mount=sha256%3A00&from=c%2Fd");
  expect(paths.tags("a")).toBe("/v2/a/tags/list");
  expect(paths.tags("a", 10, "x")).toBe("/v2/a/tags/list?n=10&last=x");
});

test("upload Locations: relative or absolute, the registry's query kept, ours added", () => {
  expect(uploadUrl("/v2/a/blobs/uploads/u1?_state=s%3D", "http://r:5000/v2/a/blobs/uploads/", { digest: "sha256:00" })).toBe("http://r:5000/v2/a/blobs/uploads/u1?_state=s%3D&digest=sha256%3A00");
  expect(uploadUrl("https://cdn.example/up/1", "http://r:5000/v2/a/blobs/uploads/")).toBe("https://cdn.example/up/1");
});

test("redactUrl drops user info and the query (signatures)", () => {
  expect(redactUrl("https://u:p@cdn.example/blob/1?X-Amz-Signature=abc")).toBe("https://cdn.example/blob/1");
});
