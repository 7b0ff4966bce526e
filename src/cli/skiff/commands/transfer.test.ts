import { expect, test } from "bun:test";
import { failure } from "../../../common/failure.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerConfig } from "../docker-config.ts";
import { fakeHelperEntry, installFakeHelper } from "../testing/fake-credential-helper.ts";
import { credentialsFor, fullName, splitPullReference } from "./transfer.ts";

test("splitPullReference: name and tag (or digest); a malformed reference fails with its reason", async () => {
  const d = `sha256:${"a".repeat(64)}`;
  expect(splitPullReference("busybox")).toEqual(["busybox", "latest"]);
  expect(splitPullReference("h:5000/a:1")).toEqual(["h:5000/a", "1"]);
  expect(splitPullReference(`a@${d}`)).toEqual(["a", d]);
  expect((await failure(() => splitPullReference("foo:bad tag"))).message).toContain('invalid tag "bad tag"');
  expect((await failure(() => splitPullReference(""))).message).toContain("empty reference");
  expect((await failure(() => splitPullReference("Bad/Ref"))).message).toContain('repository name "Bad/Ref" must be lowercase');
  expect((await failure(() => splitPullReference("foo/Bar:1"))).message).toContain('repository name "foo/Bar" must be lowercase');
});

test("fullName: a first component with a capital is a registry host, as docker's splitDockerDomain", () => {
  expect(fullName("UPPER/case")).toBe("UPPER/case");
  expect(fullName("Registry:5000/team/app")).toBe("Registry:5000/team/app");
  expect(fullName("busybox")).toBe("docker.io/library/busybox");
  expect(fullName("me/app")).toBe("docker.io/me/app");
  expect(fullName("index.docker.io/me/app")).toBe("docker.io/me/app");
  expect(fullName("localhost/app")).toBe("localhost/app");
  expect(fullName("127.0.0.1:5000/a/b")).toBe("127.0.0.1:5000/a/b");
  expect(splitPullReference("UPPER/case")).toEqual(["UPPER/case", "latest"]);
});

test("credentialsFor: the config's credentials for the registry the reference names (a capital makes a host, not Docker Hub)", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-test-creds-"));
  const saved = process.env.DOCKER_CONFIG;
  try {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: b64("hub:pw") }, "127.0.0.1:5000": { auth: b64("local:pw2") } } }));
    process.env.DOCKER_CONFIG = dir;
    expect(credentialsFor("busybox")).toEqual({ username: "hub", password: "pw", serveraddress: "https://index.docker.io/v1/" });
    expect(credentialsFor("127.0.0.1:5000/a/b:1")).toMatchObject({ username: "local", password: "pw2", serveraddress: "127.0.0.1:5000" });
    // "UPPER" is a registry of its own: Docker Hub's credentials are not sent there
    expect(credentialsFor("UPPER/case")).toBeUndefined();
    expect(credentialsFor("other.example/x")).toBeUndefined();
    // a broken file: pull and push go on without credentials (docker warns too)
    writeFileSync(join(dir, "config.json"), "{ not json");
    expect(credentialsFor("busybox")).toBeUndefined();
  } finally {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("credentialsFor: a credential helper's credentials (credHelpers for the host, else credsStore), as docker sends them", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-test-creds-"));
  try {
    const store = join(dir, "store");
    installFakeHelper(join(dir, "bin"), "t2");
    fakeHelperEntry(store, "127.0.0.1:5103", "helper-user", "helper-pw");
    fakeHelperEntry(store, "https://index.docker.io/v1/", "<token>", "hub-token");
    const env = { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE_CREDENTIALS_DIR: store };
    const configAt = (doc: unknown) => {
      writeFileSync(join(dir, "config.json"), JSON.stringify(doc));
      return DockerConfig.load(join(dir, "config.json"), { env });
    };
    const perHost = configAt({ credHelpers: { "127.0.0.1:5103": "t2" } });
    expect(credentialsFor("127.0.0.1:5103/a/b:1", perHost)).toEqual({ username: "helper-user", password: "helper-pw", serveraddress: "127.0.0.1:5103" });
    expect(credentialsFor("busybox", perHost)).toBeUndefined();
    const everywhere = configAt({ credsStore: "t2" });
    expect(credentialsFor("127.0.0.1:5103/a/b", everywhere)).toEqual({ username: "helper-user", password: "helper-pw", serveraddress: "127.0.0.1:5103" });
    expect(credentialsFor("busybox", everywhere)).toEqual({ identitytoken: "hub-token", serveraddress: "https://index.docker.io/v1/" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
