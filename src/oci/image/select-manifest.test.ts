import { expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import type { ImageIndex } from "./manifest.ts";
import { MEDIA } from "./media-types.ts";
import { parsePlatform, type Platform } from "./platform.ts";
import { selectManifest } from "./select-manifest.ts";

const entry = (c: string, platform?: Platform, mediaType: string = MEDIA.ociManifest) => ({ mediaType, digest: `sha256:${c.repeat(64)}` as const, size: 1, platform });
const idx = (...manifests: ReturnType<typeof entry>[]): ImageIndex => ({ kind: "index", mediaType: MEDIA.ociIndex, manifests, annotations: {} });
const p = (s: string) => parsePlatform(s);
const raw = (os: string, architecture: string, variant?: string): Platform => ({ os, architecture, ...(variant ? { variant } : {}) });

const multi = idx(
  entry("0", raw("unknown", "unknown")),
  entry("1", raw("linux", "amd64")),
  entry("2", raw("linux", "arm", "v6")),
  entry("3", raw("linux", "arm", "v7")),
  entry("4", raw("linux", "arm64", "v8")),
  entry("5", raw("linux", "386")),
  entry("6", raw("windows", "amd64")),
);

const cases: [string, Platform, string][] = [
  ["exact amd64", p("linux/amd64"), "1"],
  ["arm64 without variant matches v8", raw("linux", "aarch64"), "4"],
  ["arm/v7 exact", p("linux/arm/v7"), "3"],
  ["arm/v6 exact", p("linux/arm/v6"), "2"],
  ["windows", p("windows/amd64"), "6"],
  ["amd64/v3 falls back to plain amd64", p("linux/amd64/v3"), "1"],
];
for (const [name, platform, want] of cases) {
  test(`selectManifest: ${name}`, () => expect(selectManifest(multi, { platform }).digest).toBe(`sha256:${want.repeat(64)}`));
}

test("selectManifest: arm/v8 host falls back to the best older arm variant", () => {
  expect(selectManifest(idx(entry("2", raw("linux", "arm", "v6")), entry("5", raw("linux", "arm", "v5"))), { platform: p("linux/arm/v8") }).digest).toBe(`sha256:${"2".repeat(64)}`);
});

test("selectManifest: an index entry written arm64 (no variant) matches a linux/arm64/v8 request", () => {
  expect(selectManifest(idx(entry("9", raw("linux", "arm64"))), { platform: p("linux/arm64/v8") }).digest).toBe(`sha256:${"9".repeat(64)}`);
});

test("selectManifest: the first of equal entries wins", () => {
  expect(selectManifest(idx(entry("a", raw("linux", "amd64")), entry("b", raw("linux", "amd64"))), { platform: p("linux/amd64") }).digest).toBe(`sha256:${"a".repeat(64)}`);
});

test("selectManifest: defaults to the host platform", () => {
  expect(selectManifest(multi).digest).toMatch(/^sha256:/);
});

test("selectManifest: no match lists the offered platforms and skips attestations", () => {
  try {
    selectManifest(idx(entry("0", raw("unknown", "unknown")), entry("1", raw("linux", "amd64")), entry("7", raw("linux", "ppc64le"), "application/vnd.in-toto+json")), { platform: p("linux/s390x"), name: "busybox" });
    throw new Error("did not throw");
  } catch (e) {
    const err = e as SkiffError;
    expect(err.code).toBe("IMAGE_PLATFORM_NOT_FOUND");
    expect(err.message).toBe('select manifest of busybox: no match for platform "linux/s390x"');
    expect(err.hint).toBe("the image offers linux/amd64; choose one with --platform");
  }
});
