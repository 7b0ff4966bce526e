import { describe, expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import fc from "fast-check";
import { DOCUMENT_PROPERTIES } from "./documents.fuzz.ts";
import { parseManifest } from "./manifest.ts";
import { MEDIA } from "./media-types.ts";

const d = (c: string) => `sha256:${c.repeat(64)}` as const;
const ociManifest = {
  schemaVersion: 2,
  mediaType: MEDIA.ociManifest,
  config: { mediaType: MEDIA.ociConfig, digest: d("c"), size: 100 },
  layers: [
    { mediaType: MEDIA.ociLayerGzip, digest: d("1"), size: 10 },
    { mediaType: MEDIA.ociLayerZstd, digest: d("2"), size: 20, annotations: { a: "b" } },
  ],
};
const dockerManifest = {
  schemaVersion: 2,
  mediaType: MEDIA.dockerManifest,
  config: { mediaType: MEDIA.dockerConfig, digest: d("c"), size: 100 },
  layers: [{ mediaType: MEDIA.dockerLayerGzip, digest: d("1"), size: 10 }, { mediaType: MEDIA.dockerForeignLayerGzip, digest: d("3"), size: 5, urls: ["https://x/y"] }],
};
const index = (mediaType?: string) => ({
  schemaVersion: 2,
  ...(mediaType ? { mediaType } : {}),
  manifests: [
    { mediaType: MEDIA.ociManifest, digest: d("a"), size: 500, platform: { os: "linux", architecture: "amd64" } },
    { mediaType: MEDIA.ociManifest, digest: d("b"), size: 500, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
  ],
});

const err = (f: () => unknown): SkiffError => {
  try {
    f();
  } catch (e) {
    if (e instanceof SkiffError) return e;
    throw e;
  }
  throw new Error("did not throw");
};
const j = (o: unknown) => JSON.stringify(o);

describe("parseManifest reads the four manifest kinds", () => {
  test("OCI image manifest", () => {
    const m = parseManifest(j(ociManifest));
    expect(m.kind).toBe("manifest");
    if (m.kind !== "manifest") return;
    expect(m.layers.map((l) => l.digest)).toEqual([d("1"), d("2")]);
    expect(m.layers[1]!.annotations).toEqual({ a: "b" });
  });
  test("Docker schema 2 manifest with a foreign layer", () => {
    const m = parseManifest(new TextEncoder().encode(j(dockerManifest)));
    expect(m.kind === "manifest" && m.layers[1]!.urls).toEqual(["https://x/y"]);
  });
  test("OCI index and Docker manifest list", () => {
    for (const t of [MEDIA.ociIndex, MEDIA.dockerManifestList]) {
      const m = parseManifest(j(index(t)));
      expect(m.kind === "index" && m.manifests.map((x) => x.platform?.architecture)).toEqual(["amd64", "arm64"]);
    }
  });
  test("without mediaType, the Content-Type header decides, else the shape", () => {
    const { mediaType: _, ...bare } = ociManifest;
    expect(parseManifest(j(bare), `${MEDIA.ociManifest}; charset=utf-8`).mediaType).toBe(MEDIA.ociManifest);
    expect(parseManifest(j(bare), "application/json").mediaType).toBe(MEDIA.ociManifest);
    expect(parseManifest(j(index())).kind).toBe("index");
  });
});

describe("parseManifest refuses bad manifests clearly", () => {
  test("schema 1, by field or by media type", () => {
    expect(err(() => parseManifest(j({ schemaVersion: 1, name: "x", fsLayers: [] }))).code).toBe("IMAGE_MANIFEST_SCHEMA1");
    const e = err(() => parseManifest("{}", MEDIA.dockerSchema1Signed));
    expect(e.code).toBe("IMAGE_MANIFEST_SCHEMA1");
    expect(e.message).toContain("schema 1 is not supported");
  });
  test("not JSON: where, never what (the bytes may be a host file a redirect pointed at)", () => {
    const e = err(() => parseManifest("root:x:0:0:root:/root:/bin/bash\n"));
    expect([e.code, e.message]).toEqual(["IMAGE_MANIFEST_INVALID", "parse manifest: not valid JSON: expected a value at line 1, column 1"]);
  });
  test("100,000 levels deep: a clear error, no stack overflow", () => {
    const deep = `{"schemaVersion":2,"mediaType":"${MEDIA.ociManifest}","layers":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const e = err(() => parseManifest(deep));
    expect([e.code, e.message]).toEqual(["IMAGE_MANIFEST_INVALID", "parse manifest: nested more than 32 levels deep (line 1, column 117)"]);
  });
  test("a foreign layer URL that is not http(s) is refused", () => {
    const m = { ...ociManifest, layers: [{ ...ociManifest.layers[0]!, urls: ["https://cdn.example/l.tgz", "file:///etc/passwd"] }] };
    expect(err(() => parseManifest(j(m))).message).toMatch(/layers\[0\]\.urls\[1\] must be an http or https URL, got "file:\/\/\/etc\/passwd"/);
  });
  test("unknown manifest media type", () => {
    const e = err(() => parseManifest(j({ ...ociManifest, mediaType: "application/x-foo" })));
    expect([e.code, e.message]).toEqual(["IMAGE_UNKNOWN_MEDIA_TYPE", 'read manifest: unknown media type "application/x-foo"']);
  });
  test("unknown layer media type names the layer", () => {
    const m = { ...ociManifest, layers: [{ mediaType: "application/x-rar", digest: d("1"), size: 1 }] };
    expect(err(() => parseManifest(j(m))).message).toContain("layers[0] has unknown media type");
  });
  test("an artifact config is not an image", () => {
    const m = { ...ociManifest, config: { mediaType: "application/vnd.cncf.helm.config.v1+json", digest: d("c"), size: 1 } };
    expect(err(() => parseManifest(j(m))).code).toBe("IMAGE_UNKNOWN_MEDIA_TYPE");
  });
  const wrong: [string, unknown, RegExp][] = [
    ["size is a string", { ...ociManifest, config: { ...ociManifest.config, size: "100" } }, /config\.size must be an integer/],
    ["negative size", { ...ociManifest, config: { ...ociManifest.config, size: -1 } }, /config\.size must be an integer/],
    ["bad digest", { ...ociManifest, layers: [{ ...ociManifest.layers[0], digest: "sha256:xyz" }] }, /layers\[0\]\.digest must be a digest/],
    ["layers not an array", { ...ociManifest, layers: {} }, /layers must be an array/],
    ["no layers", { ...ociManifest, layers: undefined }, /layers must be an array/],
    ["layers null (not an image without layers)", { ...ociManifest, layers: null }, /layers must be an array, got null/],
    ["manifests null in an index", { ...index(MEDIA.ociIndex), manifests: null }, /manifests must be an array, got null/],
    ["schemaVersion 3", { ...ociManifest, schemaVersion: 3 }, /schemaVersion must be 2/],
    ["annotations not strings", { ...ociManifest, annotations: { a: 1 } }, /annotations\.a must be a string/],
    ["platform without os", { ...index(MEDIA.ociIndex), manifests: [{ mediaType: MEDIA.ociManifest, digest: d("a"), size: 1, platform: { architecture: "amd64" } }] }, /platform\.os must be a string/],
    ["array at top", [], /must be an object/],
  ];
  for (const [name, doc, why] of wrong) {
    test(name, () => {
      const e = err(() => parseManifest(j(doc)));
      expect(e.code).toBe("IMAGE_MANIFEST_INVALID");
      expect(e.message).toMatch(why);
    });
  }
});

describe("document properties (documents.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, property] of Object.entries(DOCUMENT_PROPERTIES)) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: 1500 }), 30_000);
  }
});
