// The shapes of what clients send, declared once per endpoint and checked before a handler runs:
// a small schema language whose checkers return the value typed (so a handler reads only what was
// checked) and fail with the path of the field ("serveraddress", "HostConfig.Binds[2]").
//
// Absent and null are the same for optional fields, as Go's encoding/json (which docker's clients
// and dockerd use) treats them. Unknown fields are allowed: newer clients send fields an older
// daemon does not know, and dockerd ignores them too.

/** A failed check: the field's path and what it must be. */
export class SchemaFailure {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {}
}

export interface Schema<T> {
  /** The value as T, or a thrown SchemaFailure. */
  check(v: unknown, path: string): T;
  /** In words, for messages: "a string", "an integer from 0 to 65535". */
  readonly expected: string;
  /** Absent (or null) is allowed. */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** What a value looked like, in a few words: a short string is quoted, anything longer only counted. */
export function kindOf(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  return typeof v === "number" || typeof v === "boolean" ? String(v) : typeof v;
}

const fail = (path: string, expected: string, v: unknown, secret = false): never => {
  throw new SchemaFailure(path, expected, secret && typeof v === "string" ? "a string" : kindOf(v));
};

const schema = <T>(expected: string, check: (v: unknown, path: string) => T): Schema<T> => ({ expected, check });

/** A shape of its own: `check` returns the value or throws through `refuse`. */
export const custom = <T>(expected: string, check: (v: unknown, path: string, refuse: (why?: string) => never) => T): Schema<T> =>
  schema(expected, (v, path) => check(v, path, (why) => fail(path, why ?? expected, v)));

export interface StringRules {
  maxLength?: number;
  /** A password or token: a refusal never shows the value. */
  secret?: boolean;
  oneOf?: readonly string[];
  /** The value must match; `describe` says how in words. */
  pattern?: { re: RegExp; describe: string };
  /** Checked last: returns the reason it is refused, or undefined. */
  refine?: { test: (s: string) => string | undefined };
}

export const string = (r: StringRules = {}): Schema<string> => {
  const expected = r.oneOf ? `one of ${r.oneOf.map((x) => JSON.stringify(x)).join(", ")}` : r.pattern ? r.pattern.describe : "a string";
  return schema(expected, (v, path) => {
    if (typeof v !== "string") return fail(path, expected, v);
    const refuse = (what: string): never => fail(path, what, v, r.secret);
    if (r.maxLength !== undefined && v.length > r.maxLength) return refuse(`at most ${r.maxLength} characters`);
    if (v.includes("\0")) return refuse("a string without NUL bytes");
    if (r.oneOf && !r.oneOf.includes(v)) return refuse(expected);
    if (r.pattern && !r.pattern.re.test(v)) return refuse(expected);
    const why = r.refine?.test(v);
    if (why) return refuse(why);
    return v;
  });
};

export const integer = (r: { min?: number; max?: number } = {}): Schema<number> => {
  const min = r.min ?? Number.MIN_SAFE_INTEGER;
  const max = r.max ?? Number.MAX_SAFE_INTEGER;
  const expected = r.min === undefined && r.max === undefined ? "an integer" : `an integer from ${min} to ${max}`;
  return schema(expected, (v, path) => (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : fail(path, expected, v)));
};

export const boolean = (): Schema<boolean> => schema("true or false", (v, path) => (typeof v === "boolean" ? v : fail(path, "true or false", v)));

export const array = <T>(item: Schema<T>, r: { maxItems?: number } = {}): Schema<T[]> =>
  schema(`an array of ${item.expected}`, (v, path) => {
    if (!Array.isArray(v)) return fail(path, `an array of ${item.expected}`, v);
    if (r.maxItems !== undefined && v.length > r.maxItems) return fail(path, `at most ${r.maxItems} items`, v);
    return v.map((x, i) => item.check(x, `${path}[${i}]`));
  });

/** Keys to values, as Go's map[string]T (labels, options). */
export const record = <T>(value: Schema<T>, r: { maxEntries?: number } = {}): Schema<Record<string, T>> =>
  schema(`an object of ${value.expected}`, (v, path) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return fail(path, `an object of ${value.expected}`, v);
    const entries = Object.entries(v);
    if (r.maxEntries !== undefined && entries.length > r.maxEntries) return fail(path, `at most ${r.maxEntries} entries`, v);
    const out: Record<string, T> = {};
    // (defined, not assigned: JSON.parse gives "__proto__" as a key like any other, and assigned it
    // would set the object's prototype, or be dropped without a word)
    for (const [k, x] of entries) Object.defineProperty(out, k, { value: value.check(x, `${path}.${k}`), enumerable: true, writable: true, configurable: true });
    return out;
  });

/** Absent or null become undefined. */
export const optional = <T>(s: Schema<T>): Schema<T | undefined> & { optional: true } => ({
  expected: s.expected,
  optional: true,
  check: (v, path) => (v === undefined || v === null ? undefined : s.check(v, path)),
});

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type ObjectOf<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> };

export const object = <F extends Fields>(fields: F): Schema<ObjectOf<F>> & { fields: F } => ({
  fields,
  ...schema("an object", (v, path) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return fail(path, "an object", v);
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(fields)) {
      const x = s.check(o[k], path ? `${path}.${k}` : k);
      if (x !== undefined) out[k] = x;
    }
    return out as ObjectOf<F>;
  }),
});
