// Small structural checks for parsed JSON: each throws a SkiffError naming the field's path.
import { invalid, type Layer } from "../common/errors.ts";

export class Checker {
  constructor(
    readonly layer: Layer,
    readonly code: string,
    readonly what: string,
  ) {}

  fail(path: string, expected: string, value: unknown): never {
    const got = describeValue(value);
    throw invalid(this.layer, this.code, `read ${this.what}: ${path} must be ${expected}, got ${got}`, `fix ${path} in ${this.what}`, { field: path });
  }

  obj(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(path, "an object", v);
    return v as Record<string, unknown>;
  }
  optObj(v: unknown, path: string): Record<string, unknown> | undefined {
    return v === undefined || v === null ? undefined : this.obj(v, path);
  }
  str(v: unknown, path: string): string {
    if (typeof v !== "string") this.fail(path, "a string", v);
    return v;
  }
  optStr(v: unknown, path: string): string | undefined {
    return v === undefined || v === null ? undefined : this.str(v, path);
  }
  bool(v: unknown, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") this.fail(path, "true or false", v);
    return v;
  }
  int(v: unknown, path: string, min = -(2 ** 53), max = 2 ** 53): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) this.fail(path, `an integer in [${min}, ${max}]`, v);
    return v;
  }
  optInt(v: unknown, path: string, min?: number, max?: number): number | undefined {
    return v === undefined || v === null ? undefined : this.int(v, path, min, max);
  }
  arr<T>(v: unknown, path: string, item: (x: unknown, p: string) => T): T[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, "an array", v);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  }
  strs(v: unknown, path: string): string[] {
    return this.arr(v, path, (x, p) => this.str(x, p));
  }
  strMap(v: unknown, path: string): Record<string, string> {
    const o = this.optObj(v, path) ?? {};
    for (const [k, x] of Object.entries(o)) this.str(x, `${path}.${k}`);
    return o as Record<string, string>;
  }
}

/**
 * A value in a few characters for a message: short scalars as JSON, objects and arrays by kind.
 * Never the whole value: it may be 100,000 levels deep or megabytes long.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return v.length ? "an array" : "[]";
  if (v !== null && typeof v === "object") return Object.keys(v).length ? "an object" : "{}";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
