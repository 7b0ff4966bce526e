import { expect, test } from "bun:test";
import { pushSubstitutes, type KnownImage, type Layer } from "./push-substitutes.ts";

const D = "sha256:" + "d".repeat(64);
const E = "sha256:" + "e".repeat(64);
const gz = (c: string): Layer => ({ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: "sha256:" + c.repeat(64), size: 100 });
const raw = (digest: string): Layer => ({ mediaType: "application/vnd.docker.image.rootfs.diff.tar", digest, size: 300 });
const isGzip = (l: Layer) => l.mediaType.endsWith("gzip") || l.digest === gz("7").digest;

test("a layer the registry has as another image's gzip blob of the same diffID is pushed as that blob (docker's v2 metadata)", () => {
  const imported: KnownImage = { layers: [raw(D), raw(E)], diffIds: [D, E], onRegistry: false };
  const pulled: KnownImage = { layers: [gz("1")], diffIds: [D], onRegistry: true };
  const sub = pushSubstitutes(imported, [imported, pulled], isGzip);
  expect(sub(raw(D))).toEqual(gz("1"));
  expect(sub(raw(E))).toBeUndefined(); // no blob of that diffID is known: compressed and uploaded as before
});

test("only what a reference ties to the registry counts, only gzip blobs, and never the blob itself", () => {
  const mine: KnownImage = { layers: [gz("2")], diffIds: [D], onRegistry: true };
  const elsewhere: KnownImage = { layers: [gz("1")], diffIds: [D], onRegistry: false };
  expect(pushSubstitutes(mine, [mine, elsewhere], isGzip)(gz("2"))).toBeUndefined();
  const zstd: KnownImage = { layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", digest: gz("3").digest, size: 1 }], diffIds: [D], onRegistry: true };
  expect(pushSubstitutes(mine, [zstd], isGzip)(gz("2"))).toBeUndefined();
  // a layer typed uncompressed whose bytes are gzip (an imported .tar.gz) is a gzip blob
  const sniffed: KnownImage = { layers: [raw(gz("7").digest)], diffIds: [D], onRegistry: true };
  expect(pushSubstitutes(mine, [sniffed], isGzip)(gz("2"))?.digest).toBe(gz("7").digest);
  // a config whose diffIDs do not match its layers is not read
  const odd: KnownImage = { layers: [gz("4"), gz("5")], diffIds: [D], onRegistry: true };
  expect(pushSubstitutes(mine, [odd], isGzip)(gz("2"))).toBeUndefined();
});
