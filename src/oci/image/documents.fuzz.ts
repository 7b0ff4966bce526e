// Properties of the image documents a registry or an archive sends, for fast-check: a short
// seeded run in manifest.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - anyManifest: parseManifest (and platform selection in an index) of any bytes returns a
//   document or throws an IMAGE_ SkiffError with a short message, nothing else.
// - toolManifest: a manifest written as tools write it parses back to the same layers.
// - anyConfig: parseImageConfig of any bytes returns a config or throws an IMAGE_ SkiffError.
import { expect } from "bun:test";
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { parseImageConfig } from "./image-config.ts";
import { parseManifest } from "./manifest.ts";
import { MEDIA } from "./media-types.ts";
import { selectManifest } from "./select-manifest.ts";


const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
const digest = fc.oneof({ weight: 9, arbitrary: hex.map((h) => `sha256:${h}`) }, { weight: 1, arbitrary: fc.string() });
const size = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(2 ** 63), fc.string());
const str = fc.oneof(fc.string(), fc.constantFrom("linux", "amd64", "arm64", "v8", ""));
const descriptor = (types: string[]) =>
  fc.record(
    {
      mediaType: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...types) }, { weight: 1, arbitrary: fc.string() }),
      digest,
      size,
      urls: fc.array(fc.oneof(fc.webUrl(), fc.constantFrom("file:///etc/passwd", "data:,x", "")), { maxLength: 2 }),
      annotations: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.anything())),
      platform: fc.record({ os: str, architecture: str, variant: str, "os.version": str, "os.features": fc.array(fc.anything(), { maxLength: 2 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ["mediaType", "digest", "size"] },
  );
const layerTypes = [MEDIA.ociLayer, MEDIA.ociLayerGzip, MEDIA.ociLayerZstd, MEDIA.dockerLayerGzip];
const manifestDoc = fc.record(
  {
    schemaVersion: fc.oneof({ weight: 8, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.anything() }),
    mediaType: fc.constantFrom(MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerManifestList, "application/json", "x"),
    config: descriptor([MEDIA.ociConfig, MEDIA.dockerConfig]),
    layers: fc.oneof({ weight: 8, arbitrary: fc.array(descriptor(layerTypes), { maxLength: 4 }) }, { weight: 1, arbitrary: fc.anything() }),
    manifests: fc.oneof({ weight: 8, arbitrary: fc.array(descriptor([MEDIA.ociManifest, MEDIA.dockerManifest]), { maxLength: 4 }) }, { weight: 1, arbitrary: fc.anything() }),
    annotations: fc.anything(),
    subject: fc.oneof(descriptor([MEDIA.ociManifest]), fc.anything()),
  },
  { requiredKeys: [] },
);

/** Calls f; an exception other than a SkiffError of the image layer fails the property. */
function parsesOrRefuses(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (!isSkiffError(e) || e.layer !== "image" || !e.code.startsWith("IMAGE_")) throw e;
    expect(e.message.length).toBeLessThan(400);
    return undefined;
  }
}

const textOf = fc.oneof(
  manifestDoc.map((m) => JSON.stringify(m)),
  fc.json({ maxDepth: 6 }),
  fc.string(),
  fc.uint8Array({ maxLength: 200 }).map((b) => new TextDecoder().decode(b)),
  fc.nat({ max: 5000 }).map((n) => `{"layers":${"[".repeat(n)}`),
);

const anyManifest = () =>
    fc.property(textOf, fc.option(fc.constantFrom(MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, "text/html")), (text, contentType) => {
      const m = parsesOrRefuses(() => parseManifest(text, contentType ?? undefined));
      if (m && typeof m === "object" && "kind" in m && m.kind === "index") parsesOrRefuses(() => selectManifest(m as never, { platform: { os: "linux", architecture: "amd64" } }));
    });

const toolManifest = () => {
  const good = fc.record({
    config: fc.record({ mediaType: fc.constant(MEDIA.ociConfig), digest: hex.map((h) => `sha256:${h}`), size: fc.nat() }),
    layers: fc.array(fc.record({ mediaType: fc.constantFrom(...layerTypes), digest: hex.map((h) => `sha256:${h}`), size: fc.nat() }), { maxLength: 8 }),
  });
  return fc.property(good, (g) => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, ...g }));
    expect(m.kind === "manifest" && (m.layers as unknown)).toEqual(g.layers);
  });
};

const anyConfig = () => {
  const config = fc.record(
    {
      architecture: str,
      os: str,
      variant: str,
      created: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.anything()),
      config: fc.record({ Env: fc.anything(), Cmd: fc.anything(), Entrypoint: fc.anything(), User: fc.anything(), ExposedPorts: fc.anything(), Volumes: fc.anything(), Labels: fc.anything(), Healthcheck: fc.anything(), WorkingDir: fc.anything(), StopSignal: fc.anything() }, { requiredKeys: [] }),
      rootfs: fc.oneof(fc.record({ type: fc.constantFrom("layers", "x"), diff_ids: fc.oneof(fc.array(digest, { maxLength: 3 }), fc.anything()) }), fc.anything()),
      history: fc.anything(),
    },
    { requiredKeys: [] },
  );
  return fc.property(fc.oneof(config.map((c) => JSON.stringify(c)), fc.json({ maxDepth: 6 }), fc.string()), (text) => void parsesOrRefuses(() => parseImageConfig(text)));
};

export const DOCUMENT_PROPERTIES: Record<"anyManifest" | "toolManifest" | "anyConfig", () => fc.IRawProperty<any>> = { anyManifest, toolManifest, anyConfig };
