import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SkiffError } from "../../common/errors.ts";
import { defaultDockerConfigPath, DockerConfig, registryHostOf } from "./credentials.ts";

const dir = `/tmp/skiff-test-${process.pid}/credentials`;
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const write = (doc: unknown) => {
  const p = join(dir, `config-${n++}.json`);
  writeFileSync(p, typeof doc === "string" ? doc : JSON.stringify(doc));
  return p;
};
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("DockerConfig", () => {
  test("default path: $DOCKER_CONFIG/config.json, else ~/.docker/config.json", () => {
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: "/etc/dc", HOME: "/home/a" })).toBe("/etc/dc/config.json");
    expect(defaultDockerConfigPath({ HOME: "/home/a" })).toBe("/home/a/.docker/config.json");
  });

  test("keys match by host, whatever their scheme and path; Hub has several names", () => {
    expect(registryHostOf("https://index.docker.io/v1/")).toBe("docker.io");
    expect(registryHostOf("registry-1.docker.io")).toBe("docker.io");
    expect(registryHostOf("http://Reg.Example:5000/v2/")).toBe("reg.example:5000");
    const c = DockerConfig.load(
      write({
        auths: {
          "https://index.docker.io/v1/": { auth: b64("hubuser:hubpw") },
          "http://127.0.0.1:5000/v2/": { auth: b64("u:p:with:colons") },
          "reg.example": { username: "plain", password: "pw" },
          "tok.example": { identitytoken: "refresh-me" },
          "empty.example": {},
        },
        credsStore: "desktop",
      }),
    );
    expect(c.lookup("docker.io")).toEqual({ username: "hubuser", password: "hubpw" });
    expect(c.lookup("127.0.0.1:5000")).toEqual({ username: "u", password: "p:with:colons" });
    expect(c.lookup("reg.example")).toEqual({ username: "plain", password: "pw" });
    expect(c.lookup("tok.example")).toEqual({ identityToken: "refresh-me" });
    expect(c.lookup("empty.example")).toBeUndefined();
    expect(c.lookup("127.0.0.1:5001")).toBeUndefined();
  });

  test("auth wins over username/password, as in docker", () => {
    const c = DockerConfig.load(write({ auths: { r: { auth: b64("a:b"), username: "x", password: "y" } } }));
    expect(c.lookup("r")).toEqual({ username: "a", password: "b" });
  });

  test("a missing file is an empty config", () => {
    expect(DockerConfig.load(join(dir, "nope.json")).lookup("docker.io")).toBeUndefined();
  });

  test("broken files give IMAGE_CREDENTIALS_INVALID without quoting their content", () => {
    const cases = [write('{"auths": {"r": {"auth": "c2VjcmV0'), write({ auths: { r: { auth: b64("no-colon-secret") } } }), write({ auths: { r: { auth: "!!secret!!" } } }), write("[]")];
    for (const p of cases) {
      let e: SkiffError | undefined;
      try {
        DockerConfig.load(p).lookup("r");
      } catch (x) {
        e = x as SkiffError;
      }
      expect(e?.code).toBe("IMAGE_CREDENTIALS_INVALID");
      expect(e!.message).toContain(p);
      expect(e!.message).not.toMatch(/secret|c2VjcmV0/);
    }
  });

  test("save and remove keep the rest of the file, write 0600, and replace other spellings of the host", () => {
    const p = write({ auths: { "https://127.0.0.1:5000/v2/": { auth: b64("old:old") } }, psFormat: "x" });
    DockerConfig.load(p).save("127.0.0.1:5000", { username: "new", password: "pw" });
    DockerConfig.load(p).save("docker.io", { username: "h", password: "p" });
    const doc = JSON.parse(readFileSync(p, "utf8"));
    expect(doc.psFormat).toBe("x");
    expect(doc.auths).toEqual({ "127.0.0.1:5000": { auth: b64("new:pw") }, "https://index.docker.io/v1/": { auth: b64("h:p") } });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(DockerConfig.load(p).remove("docker.io")).toBe(true);
    expect(DockerConfig.load(p).remove("docker.io")).toBe(false);
    expect(DockerConfig.load(p).lookup("127.0.0.1:5000")).toEqual({ username: "new", password: "pw" });
  });
});

describe("credential helpers", () => {
  // a docker-credential-NAME of our own on PATH: answers per server, as the real ones do
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "docker-credential-fake"),
    `#!/bin/sh\nread server\ncase "$server" in\n  reg.example:5000) echo '{"ServerURL":"reg.example:5000","Username":"alice","Secret":"s3cret"}' ;;\n  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"<token>","Secret":"refresh-me"}' ;;\n  broken.example) echo 'store locked' >&2; exit 2 ;;\n  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n`,
    { mode: 0o755 },
  );
  const path = process.env.PATH;
  const withPath = <T>(f: () => T): T => {
    process.env.PATH = `${bin}:${path}`;
    try {
      return f();
    } finally {
      process.env.PATH = path;
    }
  };

  test("credsStore answers for every registry; <token> means an identity token; not found is anonymous", () => {
    const c = DockerConfig.load(write({ credsStore: "fake", auths: { "reg.example:5000": {} } }));
    withPath(() => {
      expect(c.lookup("reg.example:5000")).toEqual({ username: "alice", password: "s3cret" });
      expect(c.lookup("docker.io")).toEqual({ identityToken: "refresh-me" });
      expect(c.lookup("other.example")).toBeUndefined();
    });
  });

  test("credHelpers picks a helper per registry, before credsStore", () => {
    const c = DockerConfig.load(write({ credsStore: "missing", credHelpers: { "reg.example:5000": "fake" } }));
    withPath(() => expect(c.lookup("reg.example:5000")).toEqual({ username: "alice", password: "s3cret" }));
  });

  test("a missing helper falls back to the auths entries; a failing one is a clear error, without secrets", () => {
    withPath(() => {
      expect(DockerConfig.load(write({ credsStore: "missing" })).lookup("reg.example:5000")).toBeUndefined();
      expect(DockerConfig.load(write({ credsStore: "missing", auths: { "reg.example:5000": { auth: b64("u:p") } } })).lookup("reg.example:5000")).toEqual({ username: "u", password: "p" });
      const e = (() => {
        try {
          DockerConfig.load(write({ credsStore: "fake" })).lookup("broken.example");
        } catch (err) {
          return err as SkiffError;
        }
      })();
      expect(e?.code).toBe("IMAGE_CREDENTIALS_HELPER");
      expect(e?.message).toMatch(/exit status 2: store locked/);
    });
  });
});
