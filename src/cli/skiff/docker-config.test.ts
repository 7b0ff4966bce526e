import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failure } from "../../common/failure.ts";
import { defaultDockerConfigPath, DockerConfig, HUB_SERVER, serverKey, type Env } from "./docker-config.ts";
import { fakeHelperEntry, fakeHelperEntryPath, installFakeHelper } from "./testing/fake-credential-helper.ts";
import fc from "fast-check";
import { DOCKER_CONFIG_PROPERTIES, place } from "./docker-config.fuzz.ts";

const dir = mkdtempSync(join(tmpdir(), "skiff-test-docker-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (doc: unknown) => {
  const p = join(dir, `config-${n++}`, "config.json");
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, typeof doc === "string" ? doc : JSON.stringify(doc));
  return p;
};
const b64 = (s: string) => Buffer.from(s).toString("base64");
const readDoc = (p: string) => JSON.parse(readFileSync(p, "utf8")) as { auths?: Record<string, unknown> } & Record<string, unknown>;

// docker-credential-fake on a PATH of the test's own (passed explicitly: process.env is not touched)
const bin = join(dir, "bin");
installFakeHelper(bin, "fake");
/** A fresh store for the fake helper, and the environment that finds it. */
const helperEnv = (): { store: string; env: Env } => {
  const store = join(dir, `store-${n++}`);
  mkdirSync(store);
  return { store, env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_CREDENTIALS_DIR: store } };
};
const calls = (store: string) => (existsSync(join(store, "calls.log")) ? readFileSync(join(store, "calls.log"), "utf8").trim().split("\n") : []);
/** No helper on this PATH. */
const bare: Env = { PATH: "/usr/bin:/bin" };

describe("DockerConfig: auths", () => {
  test("default path: $DOCKER_CONFIG/config.json, else ~/.docker/config.json", () => {
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: "/etc/dc", HOME: "/home/a" })).toBe("/etc/dc/config.json");
    expect(defaultDockerConfigPath({ HOME: "/home/a" })).toBe("/home/a/.docker/config.json");
  });

  test("serverKey: Hub's long form for Hub and for no server; else the host", () => {
    for (const s of [undefined, "", "docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"]) expect(serverKey(s)).toBe(HUB_SERVER);
    expect(serverKey("https://Reg.Example:5000/v2/")).toBe("reg.example:5000");
    expect(serverKey("127.0.0.1:5000")).toBe("127.0.0.1:5000");
  });

  test("keys match by host, whatever their scheme and path; Hub has several names; serveraddress is docker's key", () => {
    const c = DockerConfig.load(
      write({
        auths: {
          "https://index.docker.io/v1/": { auth: b64("hubuser:hubpw") },
          "http://127.0.0.1:5000/v2/": { auth: b64("u:p:with:colons") },
          "reg.example": { username: "plain", password: "pw" },
          "tok.example": { identitytoken: "refresh-me" },
          "empty.example": {},
        },
      }),
      { env: bare },
    );
    expect(c.lookup("docker.io")).toEqual({ username: "hubuser", password: "hubpw", serveraddress: HUB_SERVER });
    expect(c.lookup("registry-1.docker.io")).toEqual({ username: "hubuser", password: "hubpw", serveraddress: HUB_SERVER });
    expect(c.lookup("127.0.0.1:5000")).toEqual({ username: "u", password: "p:with:colons", serveraddress: "127.0.0.1:5000" });
    expect(c.lookup("reg.example")).toEqual({ username: "plain", password: "pw", serveraddress: "reg.example" });
    expect(c.lookup("tok.example")).toEqual({ identitytoken: "refresh-me", serveraddress: "tok.example" });
    expect(c.lookup("empty.example")).toBeUndefined();
    expect(c.lookup("127.0.0.1:5001")).toBeUndefined();
  });

  test("auth wins over username/password, as in docker; an exact key wins over another spelling", () => {
    const c = DockerConfig.load(write({ auths: { r: { auth: b64("a:b"), username: "x", password: "y" }, "https://s.example": { auth: b64("other:1") }, "s.example": { auth: b64("exact:2") } } }), { env: bare });
    expect(c.lookup("r")).toEqual({ username: "a", password: "b", serveraddress: "r" });
    expect(c.lookup("s.example")).toMatchObject({ username: "exact" });
  });

  test("a missing file is an empty config", () => {
    expect(DockerConfig.load(join(dir, "nope", "config.json"), { env: bare }).lookup("docker.io")).toBeUndefined();
  });

  test("broken files give CLI_DOCKER_CONFIG_INVALID (layer cli) without quoting their content", async () => {
    const cases = [write('{"auths": {"r": {"auth": "c2VjcmV0'), write({ auths: { r: { auth: b64("no-colon-secret") } } }), write({ auths: { r: { auth: "!!secret!!" } } }), write({ auths: { r: "secret" } }), write("[]")];
    for (const p of cases) {
      const e = await failure(() => DockerConfig.load(p, { env: bare }).lookup("r"));
      expect(e.code).toBe("CLI_DOCKER_CONFIG_INVALID");
      expect(e.layer).toBe("cli");
      expect(e.message).toContain(p);
      expect(JSON.stringify([e.message, e.hint])).not.toMatch(/secret|c2VjcmV0/);
    }
  });

  test("save and remove keep the rest of the file, write 0600 atomically, and replace other spellings of the host", () => {
    const p = write({ auths: { "https://127.0.0.1:5000/v2/": { auth: b64("old:old") } }, psFormat: "x" });
    expect(DockerConfig.load(p, { env: bare }).save("127.0.0.1:5000", { username: "new", password: "pw" })).toEqual({});
    DockerConfig.load(p, { env: bare }).save("docker.io", { username: "h", password: "p" });
    DockerConfig.load(p, { env: bare }).save("https://tok.example/v2/", { username: "t", identitytoken: "refresh" });
    const doc = readDoc(p);
    expect(doc.psFormat).toBe("x");
    expect(doc.auths).toEqual({ "127.0.0.1:5000": { auth: b64("new:pw") }, [HUB_SERVER]: { auth: b64("h:p") }, "tok.example": { auth: b64("t:"), identitytoken: "refresh" } });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(p, ".."))).toEqual(["config.json"]); // no temp file left
    expect(DockerConfig.load(p, { env: bare }).lookup("tok.example")).toEqual({ username: "t", identitytoken: "refresh", serveraddress: "tok.example" });
    expect(DockerConfig.load(p, { env: bare }).remove("docker.io")).toBe(true);
    expect(DockerConfig.load(p, { env: bare }).remove("https://index.docker.io/v1/")).toBe(false);
    expect(DockerConfig.load(p, { env: bare }).lookup("127.0.0.1:5000")).toEqual({ username: "new", password: "pw", serveraddress: "127.0.0.1:5000" });
  });

  test("save creates the directory (0700) and the file when there is none", () => {
    const p = join(dir, `fresh-${n++}`, "sub", "config.json");
    DockerConfig.load(p, { env: bare }).save("r.example", { username: "u", password: "p" });
    expect(statSync(join(p, "..")).mode & 0o777).toBe(0o700);
    expect(readDoc(p)).toEqual({ auths: { "r.example": { auth: b64("u:p") } } });
  });
});

describe("DockerConfig: credential helpers", () => {
  test("credsStore answers for every registry (Hub asked by its long key); <token> means an identity token; not found is anonymous", () => {
    const { store, env } = helperEnv();
    fakeHelperEntry(store, "reg.example:5000", "alice", "s3cret");
    fakeHelperEntry(store, HUB_SERVER, "<token>", "refresh-me");
    const c = DockerConfig.load(write({ credsStore: "fake", auths: { "reg.example:5000": {} } }), { env });
    expect(c.lookup("reg.example:5000")).toEqual({ username: "alice", password: "s3cret", serveraddress: "reg.example:5000" });
    expect(c.lookup("docker.io")).toEqual({ identitytoken: "refresh-me", serveraddress: HUB_SERVER });
    expect(c.lookup("other.example")).toBeUndefined();
    expect(calls(store)).toEqual(["get reg.example:5000", `get ${HUB_SERVER}`, "get other.example"]);
  });

  test("credHelpers picks a helper per registry (any spelling of its host), before credsStore; other registries use credsStore", () => {
    const { store, env } = helperEnv();
    fakeHelperEntry(store, "reg.example:5000", "alice", "s3cret");
    const c = DockerConfig.load(write({ credsStore: "missing", credHelpers: { "https://reg.example:5000/v2/": "fake" } }), { env });
    expect(c.lookup("reg.example:5000")).toEqual({ username: "alice", password: "s3cret", serveraddress: "reg.example:5000" });
    expect(c.helperFor("reg.example:5000")?.name).toBe("fake");
    expect(c.helperFor("other.example")?.name).toBe("missing");
  });

  test("a helper that does not know the server leaves the auths entry to answer", () => {
    const { env } = helperEnv();
    const c = DockerConfig.load(write({ credsStore: "fake", auths: { "plain.example": { auth: b64("u:p") } } }), { env });
    expect(c.lookup("plain.example")).toEqual({ username: "u", password: "p", serveraddress: "plain.example" });
  });

  test("a helper named but not installed is docker's error, with a hint; nothing falls back", async () => {
    for (const doc of [{ credsStore: "missing", auths: { "reg.example": { auth: b64("u:p") } } }, { credHelpers: { "reg.example": "missing" } }]) {
      const p = write(doc);
      const e = await failure(() => DockerConfig.load(p, { env: bare }).lookup("reg.example"));
      expect(e.code).toBe("CLI_CREDENTIALS_HELPER");
      expect(e.layer).toBe("cli");
      expect(e.message).toBe('error getting credentials - err: exec: "docker-credential-missing": executable file not found in $PATH');
      expect(e.hint).toContain("install docker-credential-missing in a directory on PATH, or remove");
      expect(e.hint).toContain(p);
    }
    const e = await failure(() => DockerConfig.load(write({ credsStore: "missing" }), { env: bare }).save("reg.example", { username: "u", password: "p" }));
    expect(e.message).toStartWith("error storing credentials - err: exec:");
    expect((await failure(() => DockerConfig.load(write({ credsStore: "missing" }), { env: bare }).remove("reg.example"))).message).toStartWith("error erasing credentials - err: exec:");
  });

  test('Docker Desktop\'s "desktop" store, not installed: reading warns once and uses auths; storing is refused', async () => {
    const warnings: string[] = [];
    const p = write({ credsStore: "desktop", auths: { "reg.example": { auth: b64("u:p") } } });
    const c = DockerConfig.load(p, { env: bare, warn: (l) => warnings.push(l) });
    expect(c.lookup("reg.example")).toEqual({ username: "u", password: "p", serveraddress: "reg.example" });
    expect(c.lookup("other.example")).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('docker-credential-desktop ("credsStore": "desktop" in');
    const e = await failure(() => c.save("reg.example", { username: "u", password: "p2" }));
    expect(e.code).toBe("CLI_CREDENTIALS_HELPER");
    expect(e.hint).toContain(`remove "credsStore": "desktop" from ${p}`);
    expect(readDoc(p).auths).toEqual({ "reg.example": { auth: b64("u:p") } });
    // logout still forgets the file's entry
    expect(c.remove("reg.example")).toBe(true);
    expect(readDoc(p).auths).toEqual({});
  });

  test("a helper named by a path is refused", async () => {
    const e = await failure(() => DockerConfig.load(write({ credsStore: "../../tmp/x" }), { env: bare }).lookup("reg.example"));
    expect(e.code).toBe("CLI_DOCKER_CONFIG_INVALID");
    expect(e.message).toContain('"credsStore": "../../tmp/x"');
  });

  test("a failing helper is a clear error with its own words; a secret it echoes is not shown", async () => {
    const { env } = helperEnv();
    const e = await failure(() => DockerConfig.load(write({ credsStore: "fake" }), { env }).lookup("broken.example"));
    expect(e.code).toBe("CLI_CREDENTIALS_HELPER");
    expect(e.message).toBe("error getting credentials - err: docker-credential-fake get for broken.example: exit status 2: store locked");
    const s = await failure(() => DockerConfig.load(write({ credsStore: "fake" }), { env }).save("echo.example", { username: "u", password: "hunter2-secret" }));
    expect(s.message).toContain("exit status 3: cannot store");
    expect(s.message).toContain("<redacted>");
    expect(JSON.stringify([s.message, s.hint, s.details])).not.toContain("hunter2-secret");
  });

  test("save stores in the helper (auths keeps an empty entry, other spellings and plain text gone); remove erases there", () => {
    const { store, env } = helperEnv();
    const p = write({ credsStore: "fake", auths: { "https://reg.example:5000": { auth: b64("old:plain") } }, psFormat: "x" });
    expect(DockerConfig.load(p, { env }).save("reg.example:5000", { username: "alice", password: "s3cret" })).toEqual({ helper: "fake" });
    expect(JSON.parse(readFileSync(fakeHelperEntryPath(store, "reg.example:5000"), "utf8"))).toEqual({ ServerURL: "reg.example:5000", Username: "alice", Secret: "s3cret" });
    expect(readDoc(p)).toEqual({ credsStore: "fake", auths: { "reg.example:5000": {} }, psFormat: "x" });
    expect(readFileSync(p, "utf8")).not.toContain(b64("alice:s3cret"));
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(DockerConfig.load(p, { env }).lookup("reg.example:5000")).toEqual({ username: "alice", password: "s3cret", serveraddress: "reg.example:5000" });
    // an identity token is stored as docker does: the user "<token>"
    DockerConfig.load(p, { env }).save("docker.io", { username: "bob", identitytoken: "refresh" });
    expect(JSON.parse(readFileSync(fakeHelperEntryPath(store, HUB_SERVER), "utf8"))).toEqual({ ServerURL: HUB_SERVER, Username: "<token>", Secret: "refresh" });

    expect(DockerConfig.load(p, { env }).remove("reg.example:5000")).toBe(true);
    expect(existsSync(fakeHelperEntryPath(store, "reg.example:5000"))).toBe(false);
    expect(readDoc(p).auths).toEqual({ [HUB_SERVER]: {} });
    expect(DockerConfig.load(p, { env }).remove("reg.example:5000")).toBe(false);
    expect(calls(store).map((l) => l.split(" ")[0])).toEqual(["store", "get", "store", "erase", "erase"]);
  });

  test("remove: credentials only in the helper (no auths entry) are erased too", () => {
    const { store, env } = helperEnv();
    fakeHelperEntry(store, "reg.example", "u", "p");
    const p = write({ credHelpers: { "reg.example": "fake" } });
    expect(DockerConfig.load(p, { env }).remove("reg.example")).toBe(true);
    expect(existsSync(fakeHelperEntryPath(store, "reg.example"))).toBe(false);
  });
});

describe("docker config properties (docker-config.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  const fuzzPlace = place(join(dir, "fuzz"));
  const runs = { anyConfig: 150, saveThenLookup: 50 };
  for (const [name, property] of Object.entries(DOCKER_CONFIG_PROPERTIES(fuzzPlace))) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: runs[name as keyof typeof runs] }), 30_000);
  }

  test("a login saved for a server named __proto__ is kept (assigned, it set the prototype and vanished)", () => {
    const p = write({});
    DockerConfig.load(p, { env: bare }).save("__proto__", { username: "u", password: "pw" });
    expect(Object.keys(readDoc(p).auths!)).toEqual(["__proto__"]);
    expect(DockerConfig.load(p, { env: bare }).lookup("__proto__")).toEqual({ username: "u", password: "pw", serveraddress: "__proto__" });
  });

  test("the server \"\" is Docker Hub: an auths key \"\" (or \" \") is not its exact entry (it was used, or failed the lookup)", () => {
    for (const junk of [null, {}, { auth: b64("other:x") }]) {
      const p = write({ auths: { "": junk, " ": junk, [HUB_SERVER]: { auth: b64("hub:pw") } } });
      for (const server of ["", " ", "docker.io"]) expect(DockerConfig.load(p, { env: bare }).lookup(server)).toEqual({ username: "hub", password: "pw", serveraddress: HUB_SERVER });
    }
  });
});
