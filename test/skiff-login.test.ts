// `skiff login` as a user meets it on a terminal (test/fixtures/pty-dialog.py types into a real
// pseudo-terminal), against a running skiffd and a registry with htpasswd auth: the username is
// asked for and echoed, the password is asked for and never shown, Ctrl-C at the password prompt
// leaves the terminal as it found it; without a terminal there is no prompt, only docker's error;
// stored credentials are tried first, and their user name offered at the prompt. Credential
// helpers (a docker-credential-NAME of the test's own on PATH): pull and push take credentials
// that are only in the helper; login with credsStore stores in the helper, logout erases there; a
// helper that is named but not installed is docker's error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { haveRegistry, startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { fakeHelperEntry, fakeHelperEntryPath, installFakeHelper } from "../src/cli/skiff/testing/fake-credential-helper.ts";
import { busyboxRootfsTar, removeDir, SKIFF, startSkiffd, tempDir, type RunResult, type Skiffd } from "./harness/skiffd.ts";

const PTY_DIALOG = join(import.meta.dir, "fixtures/pty-dialog.py");
const USER = "skiff";
const PASSWORD = "pty-s3cret-Pa55";

let d: Skiffd;
let registry: RegistryServer;

beforeAll(async () => {
  d = await startSkiffd();
  registry = await startRegistry({ dir: join(d.dir, "registry"), basicAuth: { username: USER, password: PASSWORD } });
});

afterAll(async () => {
  await d?.stop();
  await registry?.stop();
  if (d) removeDir(d.dir);
});

/** A fresh docker config directory: each test logs in from nothing. */
const freshConfig = () => tempDir("docker-config");
const authsIn = (dir: string): Record<string, { auth?: string }> => (existsSync(join(dir, "config.json")) ? (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { auths?: Record<string, { auth?: string }> }).auths ?? {} : {});
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

/** argv (a command line, bin/skiff's by default) on a terminal, typing `steps` ([shown, typed]) into it. */
async function onTerminal(steps: [string, string][], args: string[], config: string, argv = [SKIFF, "-H", `unix://${d.sock}`, ...args]): Promise<{ status: number; screen: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: d.dir, DOCKER_CONFIG: config, TERM: "xterm" };
  const p = Bun.spawn(["python3", PTY_DIALOG, JSON.stringify(steps), ...argv], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const [screen, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { status: await p.exited, screen, stderr };
}

describe.skipIf(!haveRegistry)("skiff login", () => {
  test("on a terminal: asks 'Username: ' (echoed) and 'Password: ' (not echoed, line editing works), logs in, stores the credentials", async () => {
    const config = freshConfig();
    // a typo in the password, erased with Backspace before Enter
    const r = await onTerminal([["Username: ", `${USER}\r`], ["Password: ", `oops\x7f\x7f\x7f\x7f${PASSWORD}\r`]], ["login", registry.domain], config);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.screen).toContain(`Username: ${USER}\r\n`);
    expect(r.screen).toContain("Password: \r\n");
    expect(r.screen).not.toContain(PASSWORD);
    expect(r.screen).not.toContain("oops");
    expect(r.screen).toContain("Login Succeeded\r\n");
    expect(authsIn(config)[registry.domain]).toEqual({ auth: basic(USER, PASSWORD) });
  }, 60_000);

  test("with -u: only the password is asked for; a wrong one is refused with a hint, nothing stored", async () => {
    const config = freshConfig();
    const r = await onTerminal([["Password: ", "not-the-password\r"]], ["login", "-u", USER, registry.domain], config);
    expect(r.status).toBe(1);
    expect(r.screen).not.toContain("Username");
    expect(r.screen).not.toContain("not-the-password");
    expect(r.screen).toContain("IMAGE_REGISTRY_UNAUTHORIZED");
    expect(r.screen).toContain("hint: check the username and password");
    expect(authsIn(config)).toEqual({});
  }, 60_000);

  test("Ctrl-C at the password prompt: exit status 130, the terminal's echo and line mode restored, nothing stored", async () => {
    const config = freshConfig();
    const shell = `"${SKIFF}" -H "unix://${d.sock}" login ${registry.domain}; echo "status=$?"; stty -a`;
    const r = await onTerminal([["Username: ", `${USER}\r`], ["Password: ", "half-typed\x03"]], [], config, ["sh", "-c", shell]);
    expect(r.stderr).toBe("");
    expect(r.screen).toContain("status=130");
    expect(r.screen).not.toContain("half-typed");
    const settings = r.screen.slice(r.screen.indexOf("status=130")).split(/[\s;]+/);
    expect(settings).toContain("echo");
    expect(settings).toContain("icanon");
    expect(settings).toContain("isig");
    expect(settings).not.toContain("-echo");
    expect(settings).not.toContain("-icanon");
    expect(authsIn(config)).toEqual({});
  }, 60_000);

  test("an empty username at the prompt: docker's 'Non-null Username Required'", async () => {
    const config = freshConfig();
    const r = await onTerminal([["Username: ", "\r"]], ["login", registry.domain], config);
    expect(r.status).toBe(1);
    expect(r.screen).toContain("Error: Non-null Username Required");
    expect(r.screen).not.toContain("Password:");
  }, 60_000);

  test("without a terminal and without credentials: docker's error, no prompt; --password-stdin still logs in", () => {
    const config = freshConfig();
    for (const args of [["login", registry.domain], ["login", "-u", USER, registry.domain]]) {
      const r = d.skiff(args, { env: { DOCKER_CONFIG: config } });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toStartWith("Error: Cannot perform an interactive login from a non TTY device");
      expect(r.stderr).toContain("--password-stdin");
    }
    const ok = d.skiff(["login", "-u", USER, "--password-stdin", registry.domain], { input: `${PASSWORD}\n`, env: { DOCKER_CONFIG: config } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe("Login Succeeded\n");
    expect(authsIn(config)[registry.domain]).toEqual({ auth: basic(USER, PASSWORD) });
  });

  test("stored credentials are tried first; when the registry refuses them, the prompt offers the stored user name", async () => {
    const config = freshConfig();
    expect(d.skiff(["login", "-u", USER, "--password-stdin", registry.domain], { input: PASSWORD, env: { DOCKER_CONFIG: config } }).status).toBe(0);
    // no terminal needed: the stored ones work
    const again = d.skiff(["login", registry.domain], { env: { DOCKER_CONFIG: config } });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe("Authenticating with existing credentials...\nLogin Succeeded\n");
    // stored ones the registry refuses: said so, then asked, the stored name offered (Enter takes it)
    const stale = freshConfig();
    writeFileSync(join(stale, "config.json"), JSON.stringify({ auths: { [registry.domain]: { auth: basic(USER, "expired") } } }));
    const r = await onTerminal([[`Username (${USER}): `, "\r"], ["Password: ", `${PASSWORD}\r`]], ["login", registry.domain], stale);
    expect(r.status).toBe(0);
    expect(r.screen).toContain("Authenticating with existing credentials...\r\n");
    expect(r.screen).toContain("Login did not succeed, error: ");
    expect(r.screen).toContain("Login Succeeded\r\n");
    expect(authsIn(stale)[registry.domain]).toEqual({ auth: basic(USER, PASSWORD) });
  }, 60_000);
});

describe.skipIf(!haveRegistry)("credential helpers", () => {
  /** A docker config naming `doc`'s helpers, a PATH with docker-credential-t2 on it (or not), and the helper's store. */
  function setup(doc: unknown, withHelper = true) {
    const dir = tempDir("cred-helper");
    const config = join(dir, "config");
    mkdirSync(config);
    writeFileSync(join(config, "config.json"), JSON.stringify(doc));
    const store = join(dir, "store");
    mkdirSync(store);
    if (withHelper) installFakeHelper(join(dir, "bin"), "t2");
    const env = { DOCKER_CONFIG: config, PATH: `${join(dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`, FAKE_CREDENTIALS_DIR: store };
    return { config, store, env, skiff: (args: string[], input?: string) => d.skiff(args, { env, input }) };
  }
  const ok = (r: RunResult) => {
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
    return r;
  };
  const calls = (store: string) => (existsSync(join(store, "calls.log")) ? readFileSync(join(store, "calls.log"), "utf8") : "");
  let ref: string;

  beforeAll(() => {
    ref = `${registry.domain}/helper/bb:1`;
    ok(d.skiff(["import", "-c", 'CMD ["sh"]', busyboxRootfsTar(d.dir), ref]));
  });

  test.each([
    ["credHelpers", (domain: string) => ({ credHelpers: { [domain]: "t2" } })],
    ["credsStore", () => ({ credsStore: "t2" })],
  ] as const)("%s: push and pull send credentials that are only in the helper; without them the registry refuses", (_, doc) => {
    const h = setup(doc(registry.domain));
    // nothing in the helper yet: anonymous, refused
    const refused = h.skiff(["push", ref]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("IMAGE_REGISTRY_UNAUTHORIZED");
    fakeHelperEntry(h.store, registry.domain, USER, PASSWORD);
    expect(ok(h.skiff(["push", ref])).stdout).toMatch(/1: digest: sha256:[0-9a-f]{64}/);
    ok(d.skiff(["rmi", ref]));
    const pulled = ok(h.skiff(["pull", ref]));
    expect(pulled.stdout.trim().split("\n").at(-1)).toBe(ref);
    expect(pulled.stderr).toBe("");
    expect(calls(h.store)).toContain(`get ${registry.domain}\n`);
    expect(authsIn(h.config)).toEqual({});
  }, 60_000);

  test("a helper that is named but not installed: docker's error and a hint; nothing is pulled", () => {
    for (const doc of [{ credHelpers: { [registry.domain]: "t2" } }, { credsStore: "t2", auths: { [registry.domain]: { auth: basic(USER, PASSWORD) } } }]) {
      const h = setup(doc, false);
      const r = h.skiff(["pull", `${registry.domain}/helper/bb:none`]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('error getting credentials - err: exec: "docker-credential-t2": executable file not found in $PATH');
      expect(r.stderr).toContain("CLI_CREDENTIALS_HELPER");
      expect(r.stderr).toContain(`hint: install docker-credential-t2 in a directory on PATH, or remove`);
      expect(r.stderr).toContain(join(h.config, "config.json"));
    }
  });

  test('Docker Desktop\'s "desktop" store, not installed: a warning, then the auths entry is used', () => {
    const h = setup({ credsStore: "desktop", auths: { [registry.domain]: { auth: basic(USER, PASSWORD) } } }, false);
    ok(h.skiff(["push", ref]));
    ok(d.skiff(["rmi", ref]));
    const r = ok(h.skiff(["pull", ref]));
    expect(r.stdout.trim().split("\n").at(-1)).toBe(ref);
    expect(r.stderr).toStartWith("WARNING: docker-credential-desktop");
  }, 60_000);

  test("login with credsStore stores in the helper, not in auths; login again uses them; logout erases them", () => {
    const h = setup({ credsStore: "t2" });
    const r = h.skiff(["login", "-u", USER, "--password-stdin", registry.domain], `${PASSWORD}\n`);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Login Succeeded\n");
    expect(r.stderr).toBe(""); // no "stored unencrypted" warning
    expect(JSON.parse(readFileSync(fakeHelperEntryPath(h.store, registry.domain), "utf8"))).toEqual({ ServerURL: registry.domain, Username: USER, Secret: PASSWORD });
    // auths keeps docker's empty entry for the server: no credentials in the file
    expect(authsIn(h.config)).toEqual({ [registry.domain]: {} });
    expect(readFileSync(join(h.config, "config.json"), "utf8")).not.toContain(basic(USER, PASSWORD));
    expect(readFileSync(join(h.config, "config.json"), "utf8")).not.toContain(PASSWORD);

    const again = h.skiff(["login", registry.domain]);
    expect(again.stdout).toBe("Authenticating with existing credentials...\nLogin Succeeded\n");
    ok(h.skiff(["push", ref]));
    ok(d.skiff(["rmi", ref]));
    ok(h.skiff(["pull", ref]));

    expect(ok(h.skiff(["logout", registry.domain])).stdout).toBe(`Removing login credentials for ${registry.domain}\n`);
    expect(existsSync(fakeHelperEntryPath(h.store, registry.domain))).toBe(false);
    expect(authsIn(h.config)).toEqual({});
    expect(ok(h.skiff(["logout", registry.domain])).stdout).toBe(`Not logged in to ${registry.domain}\n`);
    expect(calls(h.store)).toContain(`erase ${registry.domain}\n`);
  }, 60_000);
});
