// Properties of image references (reference.ts) for fast-check: a short seeded run in
// reference.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - anyString: parseReference of any string returns a reference or throws IMAGE_REFERENCE_INVALID
//   (a SkiffError with a hint), nothing else.
// - roundTrip: a reference written by the grammar (or any string that parses) means the same once
//   printed in full (formatReference) or in docker's short form (familiarReference): parsing
//   either gives the same reference back.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { familiarReference, formatReference, parseReference, type ImageReference } from "./reference.ts";

const lower = "abcdefghijklmnopqrstuvwxyz0123456789";
const alnum = fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom(...lower) });
const pathComponent = fc.tuple(alnum, fc.array(fc.tuple(fc.constantFrom(".", "_", "__", "-", "--"), alnum), { maxLength: 2 })).map(([a, rest]) => a + rest.map(([s, b]) => s + b).join(""));
const domain = fc.oneof(
  fc.constantFrom("docker.io", "index.docker.io", "localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000", "ghcr.io", "Registry", "LOCALHOST", "a.b", "my-host:1"),
  fc.tuple(alnum, fc.constantFrom(".io", ".com:443", ":80", ".x.y")).map(([a, b]) => a + b),
);
const tag = fc.tuple(fc.constantFrom(..."abcXYZ019_"), fc.string({ maxLength: 10, unit: fc.constantFrom(..."aZ9_.-") })).map(([a, b]) => a + b);
const hex = (n: number) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(..."0123456789abcdef") });
const digest = fc.oneof(hex(64).map((h) => `sha256:${h}`), hex(128).map((h) => `sha512:${h}`));

/** A reference as users write them: [domain/]path[:tag][@digest]. */
export const referenceText = fc
  .record({ domain: fc.option(domain, { nil: undefined }), path: fc.array(pathComponent, { minLength: 1, maxLength: 3 }), tag: fc.option(tag, { nil: undefined }), digest: fc.option(digest, { nil: undefined }) })
  // without a domain, a first component with "." (or "localhost") names a registry host, as docker reads it
  .filter((r) => r.domain !== undefined || r.path.length === 1 || (!r.path[0]!.includes(".") && r.path[0] !== "localhost"))
  .map((r) => `${r.domain ? `${r.domain}/` : ""}${r.path.join("/")}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`);

/** Strings near the grammar: its characters, separators and a few hostile ones. */
const nearText = fc.string({ maxLength: 40, unit: fc.constantFrom(..."abAZ09._-/:@[]", "sha256:", "localhost", "docker.io/", "a".repeat(64), " ", "\n", "\0", "é", "..", "//") });

function parsed(s: string): ImageReference | undefined {
  try {
    return parseReference(s);
  } catch (e) {
    if (!isSkiffError(e) || e.code !== "IMAGE_REFERENCE_INVALID" || !e.hint) throw e;
    return undefined;
  }
}

function sameMeaning(s: string): void {
  const r = parsed(s);
  if (!r) return;
  for (const [how, text] of [["formatReference", formatReference(r)], ["familiarReference", familiarReference(r)]] as const) {
    const back = parsed(text);
    if (JSON.stringify(back) !== JSON.stringify(r)) throw new Error(`${JSON.stringify(s)} → ${how} ${JSON.stringify(text)} → ${JSON.stringify(back)}, not ${JSON.stringify(r)}`);
  }
}

export const anyString = () => fc.property(fc.oneof(fc.string({ maxLength: 300, unit: "binary" }), nearText), (s) => void parsed(s));

export const roundTrip = () =>
  fc.property(fc.oneof(referenceText, nearText), (s) => {
    sameMeaning(s);
  });

export const grammarParses = () =>
  fc.property(referenceText, (s) => {
    if (s.length <= 255 && !parsed(s)) throw new Error(`${JSON.stringify(s)} is refused`);
  });

export const REFERENCE_PROPERTIES: Record<"anyString" | "roundTrip" | "grammarParses", () => fc.IRawProperty<any>> = { anyString, roundTrip, grammarParses };
