// Registry credentials from a docker-style config.json, read and written as the docker CLI does:
//   {"auths": {"registry.example:5000": {"auth": base64("user:password")}, …}}
// with `username`/`password` and `identitytoken` (an OAuth2 refresh token) also understood. Keys
// may carry a scheme and path ("https://index.docker.io/v1/" is Docker Hub's); they are matched by
// host. Credential helpers are asked first, as docker does: `credHelpers[host]`, else `credsStore`
// (the program docker-credential-NAME, `get` with the server on stdin, JSON on stdout).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../../common/atomic-file.ts";
import { invalid } from "../../common/errors.ts";
import { DOCKER_HUB } from "../../oci/image/reference.ts";

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token, exchanged at the token realm with grant_type=refresh_token. */
  identityToken?: string;
}

/** The key docker writes for Docker Hub, and the host names that mean Hub. */
const HUB_KEY = "https://index.docker.io/v1/";
const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function defaultDockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, "config.json") : join(env.HOME || homedir(), ".docker", "config.json");
}

/** "https://host:5000/v2/" → "host:5000", as docker's ConvertToHostname. */
export function registryHostOf(key: string): string {
  const host = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0]!.toLowerCase();
  return HUB_HOSTS.has(host) ? DOCKER_HUB : host;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

export class DockerConfig {
  private constructor(
    readonly path: string,
    private readonly doc: Record<string, unknown>,
  ) {}

  /** Reads the file; a missing file is an empty config. Throws IMAGE_CREDENTIALS_INVALID for a broken one. */
  static load(path = defaultDockerConfigPath()): DockerConfig {
    if (!existsSync(path)) return new DockerConfig(path, {});
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      // The parser's message may quote the file's content, which holds secrets: not included.
      throw invalid("image", "IMAGE_CREDENTIALS_INVALID", `read credentials ${JSON.stringify(path)}: ${e instanceof SyntaxError ? "not valid JSON" : (e as NodeJS.ErrnoException).code ?? "unreadable"}`, "fix or remove the file, then log in again", { path });
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw invalid("image", "IMAGE_CREDENTIALS_INVALID", `read credentials ${JSON.stringify(path)}: not a JSON object`, "fix or remove the file, then log in again", { path });
    }
    return new DockerConfig(path, doc as Record<string, unknown>);
  }

  private auths(): Record<string, AuthEntry> {
    const a = this.doc.auths;
    return typeof a === "object" && a !== null && !Array.isArray(a) ? (a as Record<string, AuthEntry>) : {};
  }

  /** The credentials stored for a registry domain ("docker.io", "127.0.0.1:5000"), if any. */
  lookup(domain: string): Credentials | undefined {
    const want = registryHostOf(domain);
    const helpers = this.doc.credHelpers as Record<string, unknown> | undefined;
    const helper = (helpers && typeof helpers === "object" ? Object.entries(helpers).find(([k]) => registryHostOf(k) === want)?.[1] : undefined) ?? this.doc.credsStore;
    if (typeof helper === "string" && helper) {
      const fromHelper = askHelper(helper, want === DOCKER_HUB ? HUB_KEY : domain);
      if (fromHelper) return fromHelper;
    }
    const auths = this.auths();
    // An exact key wins over one that only matches after normalisation.
    const key = domain in auths ? domain : Object.keys(auths).find((k) => registryHostOf(k) === want);
    if (key === undefined) return undefined;
    return this.decode(key, auths[key]!);
  }

  private decode(key: string, e: AuthEntry): Credentials | undefined {
    const bad = (why: string): never => {
      throw invalid("image", "IMAGE_CREDENTIALS_INVALID", `read credentials for ${JSON.stringify(key)} in ${JSON.stringify(this.path)}: ${why}`, `log in to ${registryHostOf(key)} again`, { path: this.path });
    };
    if (typeof e !== "object" || e === null) return bad("the entry is not an object");
    const c: Credentials = {};
    if (typeof e.username === "string" && e.username) c.username = e.username;
    if (typeof e.password === "string" && e.password) c.password = e.password;
    if (typeof e.auth === "string" && e.auth) {
      if (!/^[A-Za-z0-9+/=\s]+$/.test(e.auth)) bad('"auth" is not base64');
      const plain = Buffer.from(e.auth, "base64").toString("utf8");
      const colon = plain.indexOf(":");
      if (colon < 0) bad('"auth" does not decode to user:password');
      c.username = plain.slice(0, colon);
      c.password = plain.slice(colon + 1);
    }
    if (typeof e.identitytoken === "string" && e.identitytoken) c.identityToken = e.identitytoken;
    return c.username || c.password || c.identityToken ? c : undefined;
  }

  /** Stores credentials for a domain (as `skiff login` does) and writes the file (mode 0600). */
  save(domain: string, c: Credentials): void {
    const auths = { ...this.auths() };
    for (const k of Object.keys(auths)) if (registryHostOf(k) === registryHostOf(domain)) delete auths[k];
    const entry: Record<string, string> = {};
    if (c.username !== undefined || c.password !== undefined) entry.auth = Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64");
    if (c.identityToken) entry.identitytoken = c.identityToken;
    auths[registryHostOf(domain) === DOCKER_HUB ? HUB_KEY : domain] = entry;
    this.doc.auths = auths;
    this.write();
  }

  /** Forgets a domain's credentials (`skiff logout`); false when there were none. */
  remove(domain: string): boolean {
    const auths = { ...this.auths() };
    const keys = Object.keys(auths).filter((k) => registryHostOf(k) === registryHostOf(domain));
    if (!keys.length) return false;
    for (const k of keys) delete auths[k];
    this.doc.auths = auths;
    this.write();
    return true;
  }

  private write(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.path, JSON.stringify(this.doc, null, "\t") + "\n", 0o600);
  }
}

/** Runs docker-credential-NAME get; "not found" (exit 1 with that text) and a helper that is not
 * installed mean no credentials from it. */
function askHelper(name: string, server: string): Credentials | undefined {
  const program = `docker-credential-${name}`;
  const r = spawnSync(program, ["get"], { input: server, encoding: "utf8", timeout: 30000 });
  if (r.error) {
    // A config copied from Docker Desktop names "desktop", absent on Linux: use the auths entries.
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw invalid("image", "IMAGE_CREDENTIALS_HELPER", `ask credential helper ${program} for ${server}: ${r.error.message}`, `check ${program}, or remove "credsStore"/"credHelpers" from the docker config`);
  }
  if (r.status !== 0) {
    if (/credentials not found/i.test(r.stdout + r.stderr)) return undefined;
    // the helper's own words only: they never hold the secret
    throw invalid("image", "IMAGE_CREDENTIALS_HELPER", `ask credential helper ${program} for ${server}: exit status ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`, "log in again, or check the helper");
  }
  let reply: { Username?: unknown; Secret?: unknown };
  try {
    reply = JSON.parse(r.stdout) as typeof reply;
  } catch {
    throw invalid("image", "IMAGE_CREDENTIALS_HELPER", `ask credential helper ${program} for ${server}: its answer is not JSON`, "check the helper");
  }
  const user = typeof reply.Username === "string" ? reply.Username : "";
  const secret = typeof reply.Secret === "string" ? reply.Secret : "";
  if (!secret) return undefined;
  // docker's convention: an identity token comes back with the user "<token>"
  return user === "<token>" ? { identityToken: secret } : { username: user, password: secret };
}
