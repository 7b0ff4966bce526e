import { expect, test } from "bun:test";
import fc from "fast-check";
import type { EngineEvent } from "./engine-event.ts";
import { eventMatches, stripTag, type EventFilters } from "./event-filters.ts";
import { EVENT_FILTER_PROPERTIES } from "./event-filters.fuzz.ts";

const ev = (type: string, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent => ({ type, action, id, attributes, scope: "local", timeNano: 1n });
const ctr = ev("container", "start", "abc123def", { name: "web", image: "busybox:latest", "com.x": "1" });
const exec = ev("container", "exec_start: sh -c true", "abc123def", { name: "web", image: "busybox:latest" });
const img = ev("image", "tag", "sha256:ff00", { name: "me/app:1", maintainer: "me" });
const vol = ev("volume", "create", "data", { driver: "local" });

test("docker's filter table", () => {
  const cases: [EventFilters, EngineEvent, boolean][] = [
    [{}, img, true],
    [{ type: ["container"] }, ctr, true],
    [{ type: ["container"] }, img, false],
    [{ type: ["image", "volume"] }, vol, true],
    [{ container: ["web"] }, ctr, true],
    [{ container: ["abc"] }, ctr, true], // an id prefix
    [{ container: ["we"] }, ctr, true], // docker's FuzzyMatch takes a name prefix too
    [{ container: ["web"] }, img, false], // applies to every type, as docker's
    [{ container: ["other"] }, ctr, false],
    [{ image: ["busybox"] }, ctr, true], // the tag stripped
    [{ image: ["busybox:latest"] }, ctr, true],
    [{ image: ["busybox:1"] }, ctr, false],
    [{ image: ["me/app"] }, img, true], // image events: by name
    [{ image: ["sha256:ff00"] }, img, true], // or id
    [{ event: ["start"] }, ctr, true],
    [{ event: ["sta"] }, ctr, false], // exact
    [{ event: ["exec_start"] }, exec, true], // by prefix for exec_start
    [{ event: ["die", "start"] }, ctr, true],
    [{ label: ["com.x"] }, ctr, true],
    [{ label: ["com.x=1"] }, ctr, true],
    [{ label: ["com.x=2"] }, ctr, false],
    [{ label: ["com.x", "other"] }, ctr, false], // every label must be there
    [{ label: ["maintainer=me"] }, img, true],
    [{ volume: ["data"] }, vol, true],
    [{ volume: ["data"] }, ctr, false],
    [{ type: ["container"], event: ["start"], container: ["web"] }, ctr, true],
    [{ scope: ["swarm"] }, ctr, false],
  ];
  for (const [f, e, want] of cases) expect([f, e.action, eventMatches(f, e)]).toEqual([f, e.action, want]);
});

test("stripTag drops a tag, never a registry port or a digest", () => {
  expect(stripTag("busybox:1")).toBe("busybox");
  expect(stripTag("localhost:5000/a/b:2")).toBe("localhost:5000/a/b");
  expect(stripTag("localhost:5000/a")).toBe("localhost:5000/a");
  expect(stripTag("a@sha256:00")).toBe("a@sha256:00");
});

test("filter properties (seeded)", () => {
  for (const [name, p] of Object.entries(EVENT_FILTER_PROPERTIES)) {
    const r = fc.check(p() as fc.IProperty<unknown[]>, { numRuns: 300, seed: 11 });
    if (r.failed) throw new Error(`${name}: seed ${r.seed} path ${r.counterexamplePath}: ${fc.stringify(r.counterexample)}`);
  }
});
