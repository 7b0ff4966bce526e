import { expect, test } from "bun:test";
import { failure } from "../../common/failure.ts";
import { filterImages, globRegExp, parseTimestamp, pruneSelector } from "./image-filters.ts";
import type { ImageSummary } from "./service.ts";

const img = (id: string, created: number, tags: string[], digests: string[] = [], labels: Record<string, string> | null = null): ImageSummary => ({
  Id: `sha256:${id}`, ParentId: "", RepoTags: tags, RepoDigests: digests, Created: created, Size: 1, SharedSize: -1, VirtualSize: 1, Labels: labels, Containers: -1,
});

const IMAGES = [
  img("a", 100, ["busybox:latest", "localhost:5000/bb:1"], ["busybox@sha256:aa"], { tier: "web", team: "x" }),
  img("b", 200, ["alpine:3"], [], { tier: "db" }),
  img("c", 300, [], ["busybox@sha256:cc"]),
  img("d", 400, []),
];
const created: Record<string, number> = { busybox: 100, "alpine:3": 200, c: 300 };
const ctx = { createdOf: (n: string) => created[n] ?? (() => { throw new Error(`no ${n}`); })(), now: 1000 };
const ids = (filters: Record<string, string[]>) => filterImages(IMAGES, filters, ctx).map((i) => i.Id.slice(7));

test("reference: docker's globs on familiar names, which also narrow the image's references", () => {
  expect(ids({ reference: ["busybox"] })).toEqual(["a", "c"]);
  expect(filterImages(IMAGES, { reference: ["busybox"] }, ctx)[0]).toMatchObject({ RepoTags: ["busybox:latest"], RepoDigests: ["busybox@sha256:aa"] });
  expect(ids({ reference: ["busybox:latest"] })).toEqual(["a"]);
  expect(filterImages(IMAGES, { reference: ["busybox:latest"] }, ctx)[0]!.RepoDigests).toEqual([]);
  expect(ids({ reference: ["*:3"] })).toEqual(["b"]);
  expect(ids({ reference: ["localhost:5000/*"] })).toEqual(["a"]);
  expect(ids({ reference: ["*"] })).toEqual(["a", "b", "c"]); // "*" stops at "/": not localhost:5000/bb
  expect(ids({ reference: ["alp?ne", "nothing"] })).toEqual(["b"]);
  expect(ids({ reference: ["[ab]*:[0-9]"] })).toEqual(["b"]);
});

test("reference: a pattern naming a registry host also matches the fully qualified names", () => {
  expect(ids({ reference: ["docker.io/library/busybox"] })).toEqual(["a", "c"]);
  expect(ids({ reference: ["docker.io/library/busybox:latest"] })).toEqual(["a"]);
  expect(ids({ reference: ["docker.io/library/*:3"] })).toEqual(["b"]);
  expect(ids({ reference: ["localhost:5000/bb"] })).toEqual(["a"]);
  expect(filterImages(IMAGES, { reference: ["docker.io/library/busybox"] }, ctx)[0]).toMatchObject({ RepoTags: ["busybox:latest"], RepoDigests: ["busybox@sha256:aa"] });
  // a pattern without a registry host keeps docker's rule: familiar names only
  expect(ids({ reference: ["*/*/*"] })).toEqual([]);
  expect(ids({ reference: ["library/busybox"] })).toEqual([]);
});

test("prune filters: dockerd's keys and rules", async () => {
  const at = (created: number, labels: Record<string, string> | null = null) => ({ created, labels });
  expect(pruneSelector({}).danglingOnly).toBe(true);
  expect(pruneSelector({ dangling: ["true"] }).danglingOnly).toBe(true);
  expect(pruneSelector({ dangling: ["false"] }).danglingOnly).toBe(false);
  expect(pruneSelector({ dangling: ["0"] }).danglingOnly).toBe(false);
  // prune -a sends dangling=false: with --filter dangling=true too, that is a conflict, not "everything"
  expect(() => pruneSelector({ dangling: ["false", "true"] })).toThrow(/invalid filter 'dangling/);
  // a negative duration is a time to come: everything older is taken
  expect(pruneSelector({ dangling: ["false"], until: ["-1h"] }, 10_000).matches(at(10_000 + 60))).toBe(true);
  // until: images created after it are kept
  const until = pruneSelector({ dangling: ["false"], until: ["1h"] }, 10_000);
  expect(until.matches(at(10_000 - 3601))).toBe(true);
  expect(until.matches(at(10_000 - 60))).toBe(false);
  expect(pruneSelector({ until: ["2024-01-01T00:00:00Z"] }).matches(at(Date.parse("2025-01-01") / 1000))).toBe(false);
  // label: all must match; label!: images matching all its values are kept
  expect(pruneSelector({ label: ["nomatch=1"] }).matches(at(0, { tier: "web" }))).toBe(false);
  expect(pruneSelector({ label: ["nomatch=1"] }).matches(at(0))).toBe(false);
  expect(pruneSelector({ label: ["tier=web"] }).matches(at(0, { tier: "web" }))).toBe(true);
  expect(pruneSelector({ label: ["tier"] }).matches(at(0, { tier: "db" }))).toBe(true);
  expect(pruneSelector({ "label!": ["tier=web"] }).matches(at(0, { tier: "web" }))).toBe(false);
  expect(pruneSelector({ "label!": ["tier=web"] }).matches(at(0, { tier: "db" }))).toBe(true);
  expect(pruneSelector({ "label!": ["tier"] }).matches(at(0))).toBe(true);
  // refused before anything is removed
  expect((await failure(() => pruneSelector({ bogus: ["1"] }))).message).toBe("invalid filter 'bogus'");
  expect((await failure(() => pruneSelector({ reference: ["x"] }))).message).toBe("invalid filter 'reference'");
  expect((await failure(() => pruneSelector({ dangling: ["maybe"] }))).message).toBe("invalid filter 'dangling=[maybe]'");
  expect((await failure(() => pruneSelector({ until: ["1h", "2h"] }))).message).toBe("more than one until filter specified");
  expect((await failure(() => pruneSelector({ until: ["soon"] }))).kind).toBe("invalid_argument");
});

test("before, since and until compare creation times; label wants every KEY or KEY=VALUE; dangling", () => {
  expect(ids({ before: ["alpine:3"] })).toEqual(["a"]);
  expect(ids({ since: ["alpine:3"] })).toEqual(["c", "d"]);
  expect(ids({ since: ["busybox"], before: ["c"] })).toEqual(["b"]);
  expect(ids({ before: ["c", "alpine:3"] })).toEqual(["a"]); // the earliest
  expect(ids({ until: ["250"] })).toEqual(["a", "b"]);
  expect(ids({ until: ["10m"] })).toEqual(["a", "b", "c"]); // before 1000 - 600
  expect(ids({ label: ["tier"] })).toEqual(["a", "b"]);
  expect(ids({ label: ["tier=web"] })).toEqual(["a"]);
  expect(ids({ label: ["tier", "team=x"] })).toEqual(["a"]);
  expect(ids({ label: ["tier=nope"] })).toEqual([]);
  expect(ids({ dangling: ["true"] })).toEqual(["c", "d"]);
  expect(ids({ dangling: ["false"] })).toEqual(["a", "b"]);
  expect(ids({})).toEqual(["a", "b", "c", "d"]);
});

test("unknown keys and bad values are docker's \"invalid filter\"; an unknown image is the lookup's error", async () => {
  const e = await failure(() => ids({ foo: ["bar"] }));
  expect(e.message).toBe("invalid filter 'foo'");
  expect(e.kind).toBe("invalid_argument");
  expect((await failure(() => ids({ dangling: ["maybe"] }))).message).toBe("invalid filter 'dangling=[maybe]'");
  expect((await failure(() => ids({ until: ["yesterday"] }))).message).toContain("invalid filter 'until=yesterday'");
  expect((await failure(() => ids({ reference: ["[a"] }))).message).toContain("syntax error in pattern");
  expect(() => ids({ before: ["nope"] })).toThrow("no nope");
});

test("Go's path.Match and docker's timestamps", () => {
  expect(globRegExp("a*c").test("abbc")).toBe(true);
  expect(globRegExp("a*c").test("ab/c")).toBe(false);
  expect(globRegExp("a\\*").test("a*")).toBe(true);
  expect(globRegExp("[^a]x").test("bx")).toBe(true);
  expect(globRegExp("[^a]x").test("ax")).toBe(false);
  expect(globRegExp("a.b").test("axb")).toBe(false);
  expect(parseTimestamp("1h30m", 10_000)).toBe(10_000 - 5400);
  expect(parseTimestamp("1700000000.5", 0)).toBe(1_700_000_000.5);
  expect(parseTimestamp("2024-01-02T03:04:05Z", 0)).toBe(Date.parse("2024-01-02T03:04:05Z") / 1000);
  expect(parseTimestamp("2024-01-02", 0)).toBe(Date.parse("2024-01-02T00:00:00Z") / 1000);
});
