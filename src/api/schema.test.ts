import { expect, test } from "bun:test";
import { record, string } from "./schema.ts";

test("a record keeps a key named __proto__ as a key, as a Go map does (assigned, it set the object's prototype or was dropped: found by the container-options property)", () => {
  const strings = record(string({ maxLength: 10 })).check(JSON.parse('{"__proto__": "x", "a": "b"}'), "Labels");
  expect(Object.keys(strings)).toEqual(["__proto__", "a"]);
  expect(Object.getPrototypeOf(strings)).toBe(Object.prototype);
  expect(JSON.stringify(strings)).toBe('{"__proto__":"x","a":"b"}');
  const nested = record(record(string({ maxLength: 10 }))).check(JSON.parse('{"__proto__": {"polluted": "yes"}}'), "Options");
  expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
  expect((nested as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(nested)).toEqual(["__proto__"]);
});
