// docker's config.json ($DOCKER_CONFIG/config.json, else ~/.docker/config.json) and its registry
// credentials, read and written as the docker CLI does. The one place skiff reads them: the daemon
// uses only what the client sends (X-Registry-Auth, POST /auth), as dockerd does.
//
//   {"auths": {"SERVER": {"auth": base64("user:password")}},     plain text in the file
//    "credsStore": "NAME",                                        a helper for every registry
//    "credHelpers": {"SERVER": "NAME"}}                           a helper for one registry
//
// `auths` entries may also hold `username`/`password` and `identitytoken` (an OAuth2 refresh
// token). SERVER keys may carry a scheme and a path ("https://index.docker.io/v1/" is Docker Hub's
// key): they match by host (registryHostOf). A helper is the program docker-credential-NAME on PATH
// (docker-credential-helpers' protocol): `get` with the server on stdin answers
// {"ServerURL","Username","Secret"} ("<token>" as the user: the secret is an identity token), or
// "credentials not found" and a non-zero status; `store` takes that JSON on stdin; `erase` the
// server. credHelpers[server] wins over credsStore. A login stored by a helper lives in the helper
// only; `auths` keeps an empty entry for the server, as docker writes it. When reading, a helper
// that does not know the server leaves the `auths` entry to answer (docker would go anonymous: an
// entry there was written by the user, for that server, and sending it is what they expect).
//
// A helper that is named but not installed is an error, as in docker ("error getting credentials -
// err: exec: ... executable file not found in $PATH"): skiff would otherwise pull anonymously, or
// store in plain text, behind the user's back. One exception when reading: "desktop", Docker
// Desktop's store. It ships only with Docker Desktop, so a Linux machine without it has a config
// copied from elsewhere or left behind by an uninstalled Docker Desktop; the credentials it held are
// not on this machine anyway, and failing every pull (public images included) helps no one. Reading
// warns once and uses the `auths` entries; `skiff login` still refuses to store (storing in plain
// text instead of the store the config names is the user's decision: the hint says how).
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { spawnSync } from "node:child_process";
import { writeFileAtomic } from "../../common/atomic-file.ts";
import { invalid, precondition, SkiffError } from "../../common/errors.ts";
import { writeErr } from "../../common/stdio.ts";
import { DOCKER_HUB } from "../../oci/image/reference.ts";
import { registryHostOf } from "../../oci/image/registry-host.ts";
import { defaultDockerConfigPath } from "./cli-settings.ts";
import type { RegistryAuth } from "../../api/client.ts";

/** The key docker uses for Docker Hub in `auths`, with helpers and in X-Registry-Auth. */
export const HUB_SERVER = "https://index.docker.io/v1/";

/** The helper that may be missing when reading (see above). */
const DESKTOP_STORE = "desktop";

/** docker-credential-helpers' answer for an unknown server, and the user name that marks an identity token. */
const NOT_FOUND = /credentials not found/i;
const TOKEN_USER = "<token>";

/** runHelper's answer for Docker Desktop's store when it is not installed. */
const MISSING = Symbol("missing helper");

/** A helper may ask for a passphrase (pass, secretservice): patient, but not forever. */
const HELPER_TIMEOUT_MS = 5 * 60_000;

export type Env = Record<string, string | undefined>;

export { defaultDockerConfigPath };

/** The server key docker uses for a registry: Docker Hub's long form (also with no server), else the host ("https://h:5000/v2/" → "h:5000"). */
export const serverKey = (server?: string): string => {
  const host = server?.trim() ? registryHostOf(server) : DOCKER_HUB;
  return host === DOCKER_HUB ? HUB_SERVER : host;
};

export interface DockerConfigOptions {
  /** PATH to find helpers on, and their environment (default process.env). */
  env?: Env;
  /** Where warnings go (default stderr). */
  warn?: (line: string) => void;
}

/** What `skiff login` stores: a password, or the identity token the registry gave for it. */
export interface LoginCredentials {
  username: string;
  password?: string;
  identitytoken?: string;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

interface HelperCredentials {
  username?: string;
  password?: string;
  identitytoken?: string;
}

type Verb = "get" | "store" | "erase";
const DOING: Record<Verb, string> = { get: "getting", store: "storing", erase: "erasing" };

export class DockerConfig {
  private readonly env: Env;
  private readonly warn: (line: string) => void;
  private readonly warned = new Set<string>();

  private constructor(
    readonly path: string,
    private readonly doc: Record<string, unknown>,
    opts: DockerConfigOptions,
  ) {
    this.env = opts.env ?? process.env;
    this.warn = opts.warn ?? ((line) => writeErr(`${line}\n`));
  }

  /** Reads the file (default: defaultDockerConfigPath of opts.env); a missing file is an empty config. CLI_DOCKER_CONFIG_INVALID for a broken one. */
  static load(path?: string, opts: DockerConfigOptions = {}): DockerConfig {
    const file = path ?? defaultDockerConfigPath(opts.env);
    if (!existsSync(file)) return new DockerConfig(file, {}, opts);
    const bad = (why: string) => invalid("cli", "CLI_DOCKER_CONFIG_INVALID", `read docker config ${JSON.stringify(file)}: ${why}`, "fix or remove the file, then log in again", { path: file });
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      // The parser's message may quote the file's content, which holds secrets: not included.
      throw bad(e instanceof SyntaxError ? "not valid JSON" : ((e as NodeJS.ErrnoException).code ?? "unreadable"));
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw bad("not a JSON object");
    return new DockerConfig(file, doc as Record<string, unknown>, opts);
  }

  private auths(): Record<string, AuthEntry> {
    const a = this.doc.auths;
    return typeof a === "object" && a !== null && !Array.isArray(a) ? (a as Record<string, AuthEntry>) : {};
  }

  /** The helper for a server: credHelpers' entry for its host, else credsStore; with where the config names it (for hints). */
  helperFor(server: string): { name: string; from: string } | undefined {
    const host = registryHostOf(serverKey(server));
    const helpers = this.doc.credHelpers;
    if (typeof helpers === "object" && helpers !== null && !Array.isArray(helpers)) {
      const entry = Object.entries(helpers as Record<string, unknown>).find(([k, v]) => typeof v === "string" && v !== "" && registryHostOf(k) === host);
      if (entry) return this.checkedHelper(entry[1] as string, `"credHelpers": {${JSON.stringify(entry[0])}: ${JSON.stringify(entry[1])}}`);
    }
    const store = this.doc.credsStore;
    return typeof store === "string" && store !== "" ? this.checkedHelper(store, `"credsStore": ${JSON.stringify(store)}`) : undefined;
  }

  /** A helper is a program name's suffix, never a path. */
  private checkedHelper(name: string, from: string): { name: string; from: string } {
    if (name.includes("/")) throw invalid("cli", "CLI_DOCKER_CONFIG_INVALID", `read docker config ${JSON.stringify(this.path)}: ${from}: a credential helper is named by the suffix of docker-credential-NAME, not a path`, "name a helper installed on PATH, e.g. \"pass\" for docker-credential-pass", { path: this.path });
    return { name, from };
  }

  /**
   * The credentials for a registry ("docker.io", "127.0.0.1:5000", "https://h/v2/"), as sent in
   * X-Registry-Auth: from its helper when one is configured and knows the server, else from
   * `auths`. undefined: anonymous.
   */
  lookup(server: string): RegistryAuth | undefined {
    const key = serverKey(server);
    const helper = this.helperFor(key);
    if (helper) {
      const found = this.runHelper(helper, "get", key);
      if (typeof found === "string") {
        const reply = parseHelperReply(found, helper.name, key);
        if (reply) return { ...reply, serveraddress: key };
      }
    }
    const auths = this.auths();
    // An exact key wins over one that only matches after normalisation; every candidate names the
    // same registry (the server "" is Docker Hub, an "auths" key "" is not).
    const host = registryHostOf(key);
    const entryKey = [server, key].find((k) => Object.hasOwn(auths, k) && registryHostOf(k) === host) ?? Object.keys(auths).find((k) => registryHostOf(k) === host);
    if (entryKey === undefined) return undefined;
    const c = this.decode(entryKey, auths[entryKey]!);
    return c && { ...c, serveraddress: key };
  }

  private decode(key: string, e: AuthEntry): HelperCredentials | undefined {
    const bad = (why: string): never => {
      throw invalid("cli", "CLI_DOCKER_CONFIG_INVALID", `read credentials for ${JSON.stringify(key)} in ${JSON.stringify(this.path)}: ${why}`, `log in to ${registryHostOf(key)} again`, { path: this.path });
    };
    if (typeof e !== "object" || e === null || Array.isArray(e)) return bad("the entry is not an object");
    const c: HelperCredentials = {};
    if (typeof e.username === "string" && e.username) c.username = e.username;
    if (typeof e.password === "string" && e.password) c.password = e.password;
    if (typeof e.auth === "string" && e.auth) {
      if (!/^[A-Za-z0-9+/=\s]+$/.test(e.auth)) bad('"auth" is not base64');
      const plain = Buffer.from(e.auth, "base64").toString("utf8");
      const colon = plain.indexOf(":");
      if (colon < 0) bad('"auth" does not decode to user:password');
      // as docker: "auth" wins over username/password
      c.username = plain.slice(0, colon);
      c.password = plain.slice(colon + 1);
      if (!c.username) delete c.username;
      if (!c.password) delete c.password;
    }
    if (typeof e.identitytoken === "string" && e.identitytoken) c.identitytoken = e.identitytoken;
    return c.username || c.password || c.identitytoken ? c : undefined;
  }

  /**
   * Stores a login (`skiff login`) and writes the file (0600, replaced atomically): in the
   * server's helper when one is configured (`auths` then keeps an empty entry, as docker's),
   * else in `auths`. Other spellings of the server are replaced. Returns the helper used, if any.
   */
  save(server: string, c: LoginCredentials): { helper?: string } {
    const key = serverKey(server);
    const helper = this.helperFor(key);
    let entry: Record<string, string> = {};
    if (helper) {
      const secret = c.identitytoken || c.password || "";
      const input = JSON.stringify({ ServerURL: key, Username: c.identitytoken ? TOKEN_USER : c.username, Secret: secret });
      this.runHelper(helper, "store", key, input, secret);
    } else {
      const password = c.identitytoken ? "" : (c.password ?? "");
      if (c.username || password) entry.auth = Buffer.from(`${c.username}:${password}`).toString("base64");
      if (c.identitytoken) entry.identitytoken = c.identitytoken;
    }
    // fromEntries defines the key as data, whatever it is ("__proto__" assigned would set the prototype)
    this.doc.auths = Object.fromEntries([...Object.entries(this.withoutHost(key)), [key, entry]]);
    this.write();
    return helper ? { helper: helper.name } : {};
  }

  /**
   * Forgets a server's credentials (`skiff logout`): erased from its helper, if one is configured,
   * and its `auths` entries removed. false when there were none anywhere.
   */
  remove(server: string): boolean {
    const key = serverKey(server);
    const host = registryHostOf(key);
    const had = Object.keys(this.auths()).some((k) => registryHostOf(k) === host);
    let erased = false;
    const helper = this.helperFor(key);
    if (helper) erased = typeof this.runHelper(helper, "erase", key) === "string";
    if (had) {
      this.doc.auths = this.withoutHost(key);
      this.write();
    }
    return had || erased;
  }

  /** `auths` without the entries for `key`'s host. */
  private withoutHost(key: string): Record<string, AuthEntry> {
    const host = registryHostOf(key);
    return Object.fromEntries(Object.entries(this.auths()).filter(([k]) => registryHostOf(k) !== host));
  }

  private write(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.path, JSON.stringify(this.doc, null, "\t") + "\n", 0o600);
  }

  /**
   * Runs docker-credential-NAME VERB with `input` (default: the server) on stdin. Its stdout when it
   * succeeds; undefined when it does not know the server; MISSING for Docker Desktop's store when
   * it is not installed and only read from or erased (warned once). Any other failure, a missing
   * helper included, throws CLI_CREDENTIALS_HELPER. `secret` is never shown, whatever the helper echoes.
   */
  private runHelper(helper: { name: string; from: string }, verb: Verb, server: string, input = server, secret = ""): string | typeof MISSING | undefined {
    const program = `docker-credential-${helper.name}`;
    const file = findOnPath(program, this.env.PATH);
    if (!file) {
      if (helper.name !== DESKTOP_STORE || verb === "store") throw missingHelper(helper, verb, this.path);
      if (!this.warned.has(program)) {
        this.warned.add(program);
        this.warn(`WARNING: ${program} (${helper.from} in ${this.path}) is not installed: Docker Desktop's store is not on this machine, the config's "auths" entries are used. Remove "credsStore" from the file to silence this.`);
      }
      return MISSING;
    }
    const r = spawnSync(file, [verb], { input, encoding: "utf8", env: this.env as NodeJS.ProcessEnv, timeout: HELPER_TIMEOUT_MS, maxBuffer: 1 << 20 });
    const said = redact(`${r.stdout ?? ""}${r.stderr ?? ""}`.trim(), secret);
    const fail = (why: string) =>
      new SkiffError({
        layer: "cli",
        code: "CLI_CREDENTIALS_HELPER",
        kind: "unavailable",
        message: `error ${DOING[verb]} credentials - err: ${program} ${verb} for ${server}: ${why}`,
        hint: `check ${program} (named by ${helper.from} in ${this.path})`,
        details: { path: this.path, helper: program },
      });
    if (r.error) throw fail((r.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `no answer after ${HELPER_TIMEOUT_MS / 1000}s` : r.error.message);
    if (r.status !== 0) {
      if (verb !== "store" && NOT_FOUND.test(said)) return undefined;
      throw fail(`${r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`}${said ? `: ${said.slice(0, 300)}` : ""}`);
    }
    return r.stdout ?? "";
  }
}

/** A helper's `get` answer as credentials; undefined when it holds no secret. */
function parseHelperReply(stdout: string, name: string, server: string): HelperCredentials | undefined {
  let reply: { Username?: unknown; Secret?: unknown };
  try {
    reply = JSON.parse(stdout) as typeof reply;
  } catch {
    // not quoted: it may hold the secret
    throw new SkiffError({ layer: "cli", code: "CLI_CREDENTIALS_HELPER", kind: "unavailable", message: `error getting credentials - err: docker-credential-${name} get for ${server}: its answer is not JSON`, hint: `check docker-credential-${name}` });
  }
  if (typeof reply !== "object" || reply === null) return undefined;
  const user = typeof reply.Username === "string" ? reply.Username : "";
  const secret = typeof reply.Secret === "string" ? reply.Secret : "";
  if (!secret) return undefined;
  return user === TOKEN_USER ? { identitytoken: secret } : { username: user, password: secret };
}

/** docker's words for a helper that is not installed, with what to do about it. */
function missingHelper(helper: { name: string; from: string }, verb: Verb, path: string): SkiffError {
  const program = `docker-credential-${helper.name}`;
  const hint =
    helper.name === DESKTOP_STORE
      ? `${program} is Docker Desktop's store, which is not on this machine: remove ${helper.from} from ${path} to keep credentials in the file itself`
      : `install ${program} in a directory on PATH, or remove ${helper.from} from ${path}`;
  return precondition("cli", "CLI_CREDENTIALS_HELPER", `error ${DOING[verb]} credentials - err: exec: ${JSON.stringify(program)}: executable file not found in $PATH`, hint, { path, helper: program });
}

/** The executable `program` in PATH's absolute directories, as Go's exec.LookPath finds it (which refuses relative ones). */
function findOnPath(program: string, path = ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const redact = (text: string, secret: string): string => (secret ? text.replaceAll(secret, "<redacted>") : text);
