// Properties of docker's config.json as skiff reads and writes it (docker-config.ts), for
// fast-check: a short seeded run in docker-config.test.ts, a long one in scripts/fuzz.ts.
// Test code only. Helpers: docker-credential-fake (testing/fake-credential-helper.ts) is installed;
// "missing" and "desktop" are not.
//
// - anyConfig: any file (not JSON, any JSON, or docker's keys holding any shape) loads, looks up,
//   saves and removes credentials for any server, or fails with CLI_DOCKER_CONFIG_INVALID or
//   CLI_CREDENTIALS_HELPER (a SkiffError with a hint); never another error, and no error or
//   warning shows a password.
// - saveThenLookup: credentials saved for a server (in the file or its helper) are what a fresh
//   load looks up for it, under any spelling of the server; after remove, nothing is found.
import fc from "fast-check";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSkiffError } from "../../common/errors.ts";
import { DockerConfig, type Env } from "./docker-config.ts";
import { installFakeHelper } from "./testing/fake-credential-helper.ts";

/** Every password generated holds this, so that a leak is easy to see. */
const SECRET = "S3CR3T";

const server = fc.oneof(
  fc.constantFrom("docker.io", "index.docker.io", "https://index.docker.io/v1/", "127.0.0.1:5000", "http://127.0.0.1:5000/v2/", "Reg.Example:443", "reg.example:443", "", " ", "__proto__", "constructor", "toString"),
  fc.string({ maxLength: 20, unit: fc.constantFrom(..."ab.:/1-_ \n\0é") }),
);
const helperName = fc.oneof(fc.constantFrom("fake", "fake", "missing", "desktop", "", "../fake", "/bin/sh", "a/b"), fc.jsonValue({ maxDepth: 1 }));
const password = fc.string({ maxLength: 10 }).map((s) => `${s}${SECRET}`);
const user = fc.string({ maxLength: 10 }).filter((s) => !s.includes(":") && s !== "<token>");
const b64 = (s: string) => Buffer.from(s).toString("base64");
const authEntry = fc.oneof(
  fc.record({ auth: fc.oneof(fc.tuple(user, password).map(([u, p]) => b64(`${u}:${p}`)), fc.string({ maxLength: 12 }), fc.constant(b64("nocolon")), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }),
  fc.record({ username: fc.oneof(user, fc.jsonValue({ maxDepth: 1 })), password: fc.oneof(password, fc.jsonValue({ maxDepth: 1 })), identitytoken: fc.oneof(password, fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 1 }),
);
const structured = fc.record(
  {
    auths: fc.oneof(fc.dictionary(server, authEntry, { maxKeys: 4 }), fc.jsonValue({ maxDepth: 2 })),
    credsStore: helperName,
    credHelpers: fc.oneof(fc.dictionary(server, helperName, { maxKeys: 3 }), fc.jsonValue({ maxDepth: 1 })),
    other: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);
/** The file's text. */
export const configText = fc.oneof(
  { arbitrary: structured.map((d) => JSON.stringify(d)), weight: 6 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((d) => JSON.stringify(d)), weight: 2 },
  { arbitrary: fc.constantFrom("", "{", "\ufeff{}", "null", "[]", '{"auths": {"x": {"auth": "' + b64(`u:${SECRET}`) + '"}}', `{"auths": {"a": {"auth": "${SECRET}!"}}}`, "{}\n{}"), weight: 1 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
);

export interface Place {
  dir: string;
  env: Env;
}

/** A directory with docker-credential-fake installed, and the environment that finds it. */
export function place(base: string): Place {
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, "docker-config-fuzz-"));
  installFakeHelper(join(dir, "bin"), "fake");
  mkdirSync(join(dir, "store"));
  return { dir, env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE_CREDENTIALS_DIR: join(dir, "store") } };
}

/** Runs `f`; its value, or undefined for an allowed SkiffError; anything else fails the property. */
function allowed<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!isSkiffError(e) || e.layer !== "cli" || !["CLI_DOCKER_CONFIG_INVALID", "CLI_CREDENTIALS_HELPER"].includes(e.code) || !e.hint) throw e;
    if (`${e.message}${e.hint}`.includes(SECRET)) throw new Error(`the error shows a password: ${e.message} ${e.hint}`);
    return undefined;
  }
}

let n = 0;
function writeConfig(p: Place, text: string): string {
  const file = join(p.dir, `c${n++}`, "config.json");
  mkdirSync(join(file, ".."));
  writeFileSync(file, text);
  return file;
}

export const anyConfig = (p: Place) =>
  fc.property(configText, server, user, password, (text, s, u, pw) => {
    const file = writeConfig(p, text);
    const warnings: string[] = [];
    const warn = (line: string) => {
      if (line.includes(SECRET)) throw new Error(`a warning shows a password: ${line}`);
      warnings.push(line);
    };
    const load = () => allowed(() => DockerConfig.load(file, { env: p.env, warn }));
    const c = load();
    if (!c) return;
    allowed(() => c.helperFor(s));
    allowed(() => c.lookup(s));
    allowed(() => load()?.save(s, { username: u, password: pw }));
    allowed(() => load()?.lookup(s));
    allowed(() => load()?.remove(s));
    if (warnings.some((w) => w.includes("\n"))) throw new Error(`a warning of several lines: ${JSON.stringify(warnings)}`);
  });

export const saveThenLookup = (p: Place) =>
  fc.property(structured, server, fc.oneof(fc.constantFrom("127.0.0.1:5000", "https://127.0.0.1:5000/v2/", "docker.io", "https://index.docker.io/v1/"), server), user, password, fc.boolean(), (doc, other, s, u, pw, token) => {
    // a config whose helpers are the working one or none, so that a save can succeed
    const clean = { ...doc, credsStore: doc.credsStore === "fake" ? "fake" : undefined, credHelpers: undefined };
    // (docker-credential-fake keeps servers in files named after them: printable names only)
    if (clean.credsStore && !/^[\x21-\x7e]+$/.test(s)) return;
    const file = writeConfig(p, JSON.stringify(clean));
    const load = () => allowed(() => DockerConfig.load(file, { env: p.env, warn: () => {} }));
    const c = load();
    if (!c) return; // a broken auths entry of another server may fail the load of this one: that is allowed
    const creds = token ? { username: u, identitytoken: pw } : { username: u, password: pw };
    if (allowed(() => c.save(s, creds)) === undefined) return;
    const spellings = s.includes("index.docker.io") || s === "docker.io" ? ["docker.io", "https://index.docker.io/v1/", "index.docker.io"] : s.includes("127.0.0.1:5000") ? ["127.0.0.1:5000", "http://127.0.0.1:5000/v2/", "https://127.0.0.1:5000"] : [s];
    for (const spelling of spellings) {
      const got = load()?.lookup(spelling);
      const want = token ? { identitytoken: pw } : { ...(u ? { username: u } : {}), password: pw };
      // (an empty user name is no user name, whichever store answers)
      const rest = Object.fromEntries(Object.entries(got ?? {}).filter(([k, v]) => k !== "serveraddress" && v !== ""));
      // a helper keeps no user name with an identity token, and the file none but in "auth"
      if (token && !got) throw new Error(`nothing found for ${spelling} after saving a token`);
      if (got && JSON.stringify(token ? { identitytoken: rest.identitytoken } : rest) !== JSON.stringify(want)) throw new Error(`saved ${JSON.stringify(creds)} for ${s}, found ${JSON.stringify(got)} for ${spelling}`);
      if (!got) throw new Error(`nothing found for ${spelling} after saving ${JSON.stringify(creds)} for ${s}`);
    }
    // another server's removal leaves this one (the fake helper's shell drops NUL bytes: printable names only there)
    if (!clean.credsStore || /^[\x21-\x7e]+$/.test(other)) {
      allowed(() => load()?.remove(other));
      if (registryDiffers(other, s) && !load()?.lookup(s)) throw new Error(`removing ${JSON.stringify(other)} removed ${s}`);
    }
    load()!.remove(s);
    const after = load()?.lookup(s);
    if (after) throw new Error(`found ${JSON.stringify(after)} for ${s} after remove`);
  });

const registryDiffers = (a: string, b: string) => {
  const host = (x: string) => x.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0]!.toLowerCase().replace(/^(index\.docker\.io|registry-1\.docker\.io|)$/, "docker.io");
  return host(a) !== host(b);
};

export const DOCKER_CONFIG_PROPERTIES = (p: Place): Record<"anyConfig" | "saveThenLookup", () => fc.IRawProperty<any>> => ({ anyConfig: () => anyConfig(p), saveThenLookup: () => saveThenLookup(p) });
