import { describe, expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import fc from "fast-check";
import { familiarName, familiarReference, formatReference, isLoopbackDomain, parseReference } from "./reference.ts";
import { REFERENCE_PROPERTIES } from "./reference.fuzz.ts";

const D = `sha256:${"a".repeat(64)}`;

describe("parseReference normalises as docker does", () => {
  const cases: [string, string, string][] = [
    ["busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`busybox:1.36@${D}`, `docker.io/library/busybox:1.36@${D}`, `busybox:1.36@${D}`],
    ["library/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["user/app", "docker.io/user/app:latest", "user/app:latest"],
    ["ghcr.io/o/app:v1", "ghcr.io/o/app:v1", "ghcr.io/o/app:v1"],
    ["localhost/app", "localhost/app:latest", "localhost/app:latest"],
    ["localhost:5000/a/b/c:t", "localhost:5000/a/b/c:t", "localhost:5000/a/b/c:t"],
    ["127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", "127.0.0.1:5000/x:latest"],
    ["[::1]:5000/x:t", "[::1]:5000/x:t", "[::1]:5000/x:t"],
    ["Registry/app", "Registry/app:latest", "Registry/app:latest"],
    ["UPPER/case", "UPPER/case:latest", "UPPER/case:latest"],
    ["LOCALHOST/x", "LOCALHOST/x:latest", "LOCALHOST/x:latest"],
    ["a/b__c/d-e--f/g.h", "docker.io/a/b__c/d-e--f/g.h:latest", "a/b__c/d-e--f/g.h:latest"],
    ["localhost", "docker.io/library/localhost:latest", "localhost:latest"],
  ];
  for (const [input, full, familiar] of cases) {
    test(input, () => {
      const r = parseReference(input);
      expect(formatReference(r)).toBe(full);
      expect(familiarReference(r)).toBe(familiar);
    });
  }
  test("defaultTag: false leaves the tag out", () => {
    expect(parseReference("busybox", { defaultTag: false })).toEqual({ domain: "docker.io", path: "library/busybox" });
  });
});

describe("parseReference refuses malformed references with a reason", () => {
  const cases: [string, RegExp][] = [
    ["", /empty reference/],
    ["Busybox", /must be lowercase/],
    ["user/App", /must be lowercase/],
    ["busybox:", /invalid tag ""/],
    ["busybox:-x", /invalid tag/],
    [`busybox:${"t".repeat(129)}`, /invalid tag/],
    ["busybox@sha256:abc", /invalid digest: sha256 needs 64 hex digits/],
    [`busybox@md5:${"a".repeat(32)}`, /unsupported algorithm/],
    ["a//b", /empty path component/],
    ["a/b/", /empty path component/],
    ["a/-b", /invalid path component "-b"/],
    ["a/b_-c", /invalid path component/],
    ["has space", /whitespace/],
    ["foo:bad tag", /invalid tag "bad tag" \(it contains whitespace\)/],
    ["foo bar:1", /repository name "foo bar" contains whitespace/],
    ["Bad/Ref", /repository name "Bad\/Ref" must be lowercase/],
    ["Bad/Ref:1", /repository name "Bad\/Ref" must be lowercase/],
    ["Busybox", /repository name "Busybox" must be lowercase/],
    ["ghcr.io/Me/App", /repository name "Me\/App" must be lowercase/],
    ["localhost:5000/A", /repository name "A" must be lowercase/],
    ["a".repeat(64).replace(/a/g, "f"), /image ID/],
    ["-host.io/x", /invalid registry host/],
    [":5000/x", /missing the repository name|invalid/],
    [`x.io/${"a".repeat(260)}`, /longer than 255/],
    ["@" + D, /missing the repository name/],
  ];
  for (const [input, why] of cases) {
    test(JSON.stringify(input).slice(0, 40), () => {
      let err: unknown;
      try {
        parseReference(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SkiffError);
      expect((err as SkiffError).code).toBe("IMAGE_REFERENCE_INVALID");
      expect((err as SkiffError).message).toMatch(why);
    });
  }
});

test("familiarName shortens a stored full name and adds no tag", () => {
  expect(familiarName("docker.io/library/busybox:latest")).toBe("busybox:latest");
  expect(familiarName(`docker.io/library/busybox@${D}`)).toBe(`busybox@${D}`);
  expect(familiarName("docker.io/library/busybox")).toBe("busybox");
  expect(familiarName("127.0.0.1:5000/me/app:1")).toBe("127.0.0.1:5000/me/app:1");
});

test("isLoopbackDomain knows localhost, 127/8 and ::1 with ports", () => {
  expect(["localhost", "localhost:5000", "127.0.0.1:80", "127.1.2.3", "[::1]:5000"].map(isLoopbackDomain)).toEqual([true, true, true, true, true]);
  expect(["docker.io", "localhost.example:5000", "10.0.0.1:5000", "[fe80::1]"].map(isLoopbackDomain)).toEqual([false, false, false, false]);
});

describe("reference properties (reference.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, property] of Object.entries(REFERENCE_PROPERTIES)) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: 3000 }), 30_000);
  }

  test("the short form keeps what dropping would change the meaning of (docker prints \"a.b/c\", a reference to registry a.b)", () => {
    const cases: [string, string][] = [
      ["docker.io/a.b/c", "docker.io/a.b/c:latest"],
      ["docker.io/localhost/x:1", "docker.io/localhost/x:1"],
      [`docker.io/${"a".repeat(64)}`, `library/${"a".repeat(64)}:latest`],
      ["docker.io/a/b.c", "a/b.c:latest"],
    ];
    for (const [input, familiar] of cases) {
      const r = parseReference(input);
      expect(familiarReference(r)).toBe(familiar);
      expect(parseReference(familiarReference(r))).toEqual(r);
    }
  });
});
