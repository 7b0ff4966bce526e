// Properties of `import --change` (import-changes.ts) for fast-check: a short seeded run in
// import-changes.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - anyChanges: instructions made of the Dockerfile's pieces (every allowed instruction and some
//   others, flags, quotes, escapes, $VAR and ${VAR:-…} forms nested, JSON arrays, continuations,
//   comments) or of any characters give a config whose JSON reads back the same, or
//   ENGINE_IMPORT_CHANGE_INVALID with a hint; never another error.
// - keysKept: every key LABEL, ENV and VOLUME are given is in the config with its value, whatever
//   the key ("__proto__" and "constructor" included).
// - exposeRange: EXPOSE FROM-TO/PROTO exposes exactly the ports of the range.
// - workdir: WORKDIR leaves a clean absolute path (no ".", "..", "//" or trailing "/").
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { applyChanges, type DockerConfigObject } from "./import-changes.ts";

const word = fc.oneof(
  fc.constantFrom("a", "b=c", "k=v", "$a", "${a}", "${a:-d}", "${a:+e}", "${a?}", "${a:?msg}", "${", "}", "$", '"', "'", "\\", "\\\n", "=", "\"a b\"=c", "'x y'", "80", "80-82/udp", "1-65535/sctp", "0", "70000", "abc/tcp", "/tmp", "..", "./x", "SIGTERM", "RTMIN+3", "9", "--interval=5s", "--interval=99999999999h", "--timeout=1.5h30m", "--retries=3", "--x", "--", "[\"a\",\"b\"]", "[1]", "[]", "[\"x", "__proto__", "constructor", "#", "é"),
  fc.string({ maxLength: 8, unit: fc.constantFrom(..."ab$={}:-+?\\\"' \t/0.") }),
);
/** ${a:-${a:-…}} as deep as asked. */
const nested = fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constant(30_000)).map((n) => `${"${a:-".repeat(n)}x${"}".repeat(n)}`);
const instruction = fc.constantFrom("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "HEALTHCHECK CMD", "HEALTHCHECK NONE", "LABEL", "ONBUILD", "ONBUILD RUN", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "cmd", "FROM", "RUN", "MAINTAINER", "#", "");
const line = fc.tuple(instruction, fc.array(fc.oneof({ arbitrary: word, weight: 8 }, { arbitrary: nested, weight: 1 }), { maxLength: 4 }), fc.constantFrom(" ", "\t", "  ", "\\\n")).map(([i, w, sep]) => [i, ...w].join(sep));
export const changes = fc.oneof(
  { arbitrary: fc.array(line, { maxLength: 4 }), weight: 5 },
  { arbitrary: fc.array(fc.string({ maxLength: 30, unit: "binary" }), { maxLength: 3 }), weight: 1 },
);

function applied(list: readonly string[]): DockerConfigObject | undefined {
  try {
    return applyChanges({}, list);
  } catch (e) {
    if (!isSkiffError(e) || e.code !== "ENGINE_IMPORT_CHANGE_INVALID" || e.layer !== "engine" || !e.hint) throw e;
    return undefined;
  }
}

export const anyChanges = () =>
  fc.property(changes, (list) => {
    const c = applied(list);
    if (!c) return;
    const text = JSON.stringify(c);
    if (text.length > 16 << 20) throw new Error(`a config of ${text.length} characters`);
    const back = JSON.parse(text) as DockerConfigObject;
    // what JSON loses (undefined, non-finite numbers, prototypes) would differ here
    if (JSON.stringify(back) !== text || JSON.stringify(Object.keys(back)) !== JSON.stringify(Object.keys(c))) throw new Error(`${text} does not read back the same`);
    for (const k of ["Labels", "ExposedPorts", "Volumes"] as const) {
      const m = c[k] as object | undefined;
      if (m && Object.getPrototypeOf(m) !== Object.prototype) throw new Error(`${k} has another prototype`);
    }
    for (const [k, v] of Object.entries(c.Healthcheck ?? {})) {
      // Go's time.Duration: an int64 of nanoseconds
      if (typeof v === "number" && !(Number.isInteger(v) && v >= 0 && v <= 2 ** 63)) throw new Error(`Healthcheck.${k} is ${v}`);
    }
  });

const key = fc.oneof(fc.constantFrom("__proto__", "constructor", "toString", "a", "A_1", "with space", "é"), fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(..."abZ_9.-/ $\"\\") }));
const value = fc.string({ maxLength: 8, unit: fc.constantFrom(..."ab $\"\\'=") });
/** A word in double quotes, as a Dockerfile quotes it. */
const quoted = (s: string) => `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;

export const keysKept = () =>
  fc.property(fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: 1, maxLength: 4 }), (pairs) => {
    const labels = applied([`LABEL ${pairs.map(([k, v]) => `${quoted(k)}=${quoted(v)}`).join(" ")}`]);
    for (const [k, v] of pairs) if (labels?.Labels?.[k] !== v || !Object.hasOwn(labels.Labels, k)) throw new Error(`LABEL ${k}=${v} gave ${JSON.stringify(labels?.Labels)}`);
    // (a VOLUME's words are expanded in JSON form too: keys with quotes, "$" or "\\" would change)
    const plain = pairs.filter(([k]) => !/[\\$"']/.test(k));
    const volumes = applied([`VOLUME ${JSON.stringify(plain.map(([k]) => `/${k}`))}`]);
    if (plain.length) for (const [k] of plain) if (!Object.hasOwn(volumes?.Volumes ?? {}, `/${k}`.trim())) throw new Error(`VOLUME /${k} gave ${JSON.stringify(volumes?.Volumes)}`);
    const envKeys = pairs.filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
    if (envKeys.length) {
      const env = applied([`ENV ${envKeys.map(([k, v]) => `${k}=${quoted(v)}`).join(" ")}`]);
      for (const [k, v] of envKeys) if (!env?.Env?.includes(`${k}=${v}`)) throw new Error(`ENV ${k}=${v} gave ${JSON.stringify(env?.Env)}`);
    }
  });

export const exposeRange = () =>
  fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 300 }), fc.constantFrom("tcp", "udp", "sctp", "UDP", ""), (from, span, proto) => {
    const to = Math.min(65535, from + span);
    const c = applied([`EXPOSE ${from}-${to}${proto ? `/${proto}` : ""}`]);
    const p = proto ? proto.toLowerCase() : "tcp";
    const want = Array.from({ length: to - from + 1 }, (_, i) => `${from + i}/${p}`).sort();
    if (JSON.stringify(Object.keys(c?.ExposedPorts ?? {})) !== JSON.stringify(want)) throw new Error(`EXPOSE ${from}-${to}/${proto} gave ${Object.keys(c?.ExposedPorts ?? {}).length} ports`);
  });

export const workdir = () =>
  fc.property(fc.array(fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(..."ab/.") }), { minLength: 1, maxLength: 4 }), (dirs) => {
    const c = applied(dirs.map((d) => `WORKDIR ${d}`));
    if (c && !/^\/$|^(\/[^/]+)+$/.test(c.WorkingDir ?? "") || c && /(^|\/)\.\.?(\/|$)/.test(c.WorkingDir!)) throw new Error(`WORKDIR ${dirs.join(", ")} gave ${c?.WorkingDir}`);
  });

export const CHANGES_PROPERTIES: Record<"anyChanges" | "keysKept" | "exposeRange" | "workdir", () => fc.IRawProperty<any>> = { anyChanges, keysKept, exposeRange, workdir };
