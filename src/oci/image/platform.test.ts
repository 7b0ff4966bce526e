import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { compatiblePlatforms, formatPlatform, hostPlatform, parsePlatform, samePlatform } from "./platform.ts";
import { PLATFORM_PROPERTIES } from "./platform.fuzz.ts";

describe("parsePlatform normalises as containerd does", () => {
  const cases: [string, string][] = [
    ["linux/amd64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux/arm64", "linux/arm64/v8"],
    ["linux/aarch64", "linux/arm64/v8"],
    ["linux/arm64/8", "linux/arm64/v8"],
    ["linux/arm64/v8", "linux/arm64/v8"],
    ["linux/arm64/v9.0", "linux/arm64/v9"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/6", "linux/arm/v6"],
    ["linux/armhf", "linux/arm/v7"],
    ["linux/armel", "linux/arm/v6"],
    ["linux/i386", "linux/386"],
    ["Linux/AMD64", "linux/amd64"],
    ["linux/s390x", "linux/s390x"],
    ["arm64", "linux/arm64/v8"],
  ];
  for (const [input, want] of cases) test(`${input} → ${want}`, () => expect(formatPlatform(parsePlatform(input))).toBe(want));

  test("a bare OS takes the host's architecture", () => {
    expect(parsePlatform("linux").architecture).toBe(hostPlatform().architecture);
  });
  test("one word that is neither a known OS nor a known architecture is refused with containerd's words", () => {
    expect(() => parsePlatform("bogus")).toThrow('"bogus": unknown operating system or architecture: invalid argument');
    expect(formatPlatform(parsePlatform("x86_64"))).toBe("linux/amd64");
    expect(formatPlatform(parsePlatform("riscv64"))).toBe("linux/riscv64");
  });
  for (const bad of ["", "linux//amd64", "linux/amd64/v8/x", "linux/am d64"]) {
    test(`refuses ${JSON.stringify(bad)}`, () => expect(() => parsePlatform(bad)).toThrow(/parse platform/));
  }
});

test("samePlatform compares normalised forms", () => {
  expect(samePlatform({ os: "linux", architecture: "arm64" }, { os: "linux", architecture: "aarch64", variant: "v8" })).toBe(true);
  expect(samePlatform({ os: "linux", architecture: "arm", variant: "v6" }, { os: "linux", architecture: "arm" })).toBe(false);
});

test("compatiblePlatforms lists the host first, then older variants", () => {
  const f = (s: string) => compatiblePlatforms(parsePlatform(s)).map(formatPlatform);
  expect(f("linux/arm/v7")).toEqual(["linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]);
  expect(f("linux/arm64")).toEqual(["linux/arm64/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]);
  expect(f("linux/amd64/v3")).toEqual(["linux/amd64/v3", "linux/amd64/v2", "linux/amd64"]);
  expect(f("linux/amd64")).toEqual(["linux/amd64"]);
});

describe("platform properties (platform.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, property] of Object.entries(PLATFORM_PROPERTIES)) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: 3000 }), 30_000);
  }
});
