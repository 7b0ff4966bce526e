// The hostile corpus of the command lines (written for skiff), through the built binaries: words
// that are names on Object.prototype, bool flags with odd values, --format templates that would
// crash, loop or print JavaScript, and docker config.json files of every wrong shape. Each gives
// one clean message (no stack trace, no internal error) or the output docker would give, and the
// daemon answers afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprint, layerTar } from "./harness/hostile-corpus.ts";
import { inputFile, makeCanary, startSandbox, stopSandbox, type Sandbox } from "./harness/hostile-daemon.ts";
import { REPO } from "./harness/skiffd.ts";

let s: Sandbox;
const canary = makeCanary();

beforeAll(async () => {
  s = await startSandbox(canary);
  const r = s.d.skiff(["import", "-c", "LABEL a=b", inputFile(s, layerTar([{ name: "f", type: "file", data: "x" }])), "hostile/cli:1"]);
  if (r.status !== 0) throw new Error(r.stderr);
}, 30_000);
afterAll(() => stopSandbox(s));

/** No stack trace, no internal error, no JavaScript leaking into output. */
const clean = (text: string) => !/\n\s+at |TypeError|RangeError|ReferenceError|internal error|_INTERNAL|\[native code\]|\[object Object\]/.test(text);
const answers = () => expect(s.d.skiff(["version", "--format", "{{.Server.ApiVersion}}"]).stdout.trim()).toBe("1.41");

describe("words that are names on Object.prototype", () => {
  test.each(["constructor", "__proto__", "toString", "hasOwnProperty"])("skiff %s and skiff image %s: an unknown command, exit 1 as docker's (it printed a TypeError)", (word) => {
    const r = s.d.skiff([word]);
    expect([r.status, r.stderr]).toEqual([1, `skiff: unknown command: skiff ${word}\nRun 'skiff --help' for more information\n`]);
    const i = s.d.skiff(["image", word]);
    expect([i.status, i.stderr]).toEqual([1, `skiff: unknown command: skiff image ${word}\nRun 'skiff image --help' for more information\n`]);
  });

  test.each(["constructor", "__proto__", "toString"])("skiff-oci %s: unknown command, exit 3 (it printed a stack trace)", (word) => {
    const r = spawnSync(join(REPO, "bin/skiff-oci"), ["--root", join(s.d.dir, "oci-root"), word], { encoding: "utf8" });
    expect([r.status, r.stderr]).toEqual([3, `cli: skiff-oci: unknown command "${word}" (CLI_UNKNOWN_COMMAND)\nhint: see: skiff-oci --help\n`]);
  });
});

describe("bool flags read their value as Go's ParseBool", () => {
  test("--quiet=0 is false, --quiet=1 true, --quiet=yes a misuse (=0 and =yes were true)", () => {
    expect(s.d.skiff(["images", "--quiet=0"]).stdout).toContain("REPOSITORY");
    expect(s.d.skiff(["images", "--quiet=1"]).stdout).not.toContain("REPOSITORY");
    const r = s.d.skiff(["images", "--quiet=yes"]);
    expect([r.status, r.stderr]).toEqual([125, 'skiff: images: flag --quiet takes true or false, got "yes"\nSee \'skiff images --help\'.\n']);
  });
});

describe("--format templates that would crash, loop or print JavaScript", () => {
  const cases: [string, RegExp][] = [
    ["{{__proto__}}", /function "__proto__" not defined/],
    ["{{.constructor}}", /can't evaluate field constructor/],
    ['{{"\\UFFFFFFFF"}}', /is not a Unicode code point/],
    ["{{range 1000000000000}}{{end}}", /runs more than 10000000 steps/],
    ['{{pad "x" 1000000000000 0}}', /padding of more than 1000000 spaces/],
    [`{{${"(".repeat(5000)}.ID${")".repeat(5000)}}}`, /nest deeper than 500/],
    ["{{range .Nope}}{{else}}{{break}}{{end}}", /outside \{\{range\}\}/],
  ];
  test.each(cases)("images --format %s", (format, why) => {
    const r = s.d.skiff(["images", "--format", format]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(why);
    expect(clean(r.stderr)).toBe(true);
    expect(r.stderr.split("\n").filter(Boolean).length).toBeLessThanOrEqual(3);
    answers();
  });

  test("image inspect --format of JavaScript names prints Go's answers", () => {
    const r = s.d.skiff(["image", "inspect", "--format", '{{.Config.Labels.constructor}}|{{index .Config "__proto__"}}|{{printf "%c|%.101f" -1 0.5}}', "hostile/cli:1"]);
    expect([r.status, clean(r.stdout), r.stdout.trim()]).toEqual([0, true, `<no value>|<no value>|\ufffd|0.5${"0".repeat(100)}`]);
  });
});

describe("docker config.json of every wrong shape", () => {
  /** skiff ARGS with $DOCKER_CONFIG/config.json holding `text`; nothing but that directory is written. */
  const withConfig = (text: string, args: string[]) => {
    const dir = join(s.d.dir, `docker-config-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), text);
    const before = fingerprint(canary);
    const r = s.d.skiff(args, { env: { DOCKER_CONFIG: dir, PATH: "/usr/bin:/bin" } });
    expect(fingerprint(canary)).toEqual(before);
    return { ...r, file: readFileSync(join(dir, "config.json"), "utf8") };
  };
  const shapes = ["", "{", "null", "[]", '"auths"', '{"auths": null}', '{"auths": []}', '{"auths": {"127.0.0.1:1": null}}', '{"auths": {"127.0.0.1:1": {"auth": 5}}}', '{"auths": {"127.0.0.1:1": {"auth": "!!!"}}}', '{"auths": {"__proto__": {"auth": "dTpw"}}}', '{"credsStore": 5}', '{"credsStore": "../../bin/sh"}', '{"credHelpers": {"127.0.0.1:1": "missing"}}', '{"credHelpers": []}', "[".repeat(100_000)];

  test.each(shapes.map((t) => [t.slice(0, 50), t] as const))("pull with %s: a one-line warning and the registry's own answer, or a clean error about the file", (_label, text) => {
    const r = withConfig(text, ["pull", "127.0.0.1:1/x:1"]);
    expect(r.status).not.toBe(0);
    expect(clean(r.stderr)).toBe(true);
    const lines = r.stderr.split("\n").filter(Boolean);
    const registry = /^Error response from daemon: probe registry 127\.0\.0\.1:1: .* \(layer: image, code: IMAGE_REGISTRY_UNREACHABLE\)$/;
    const aboutFile = /docker config .*config\.json|credentials/;
    if (lines.some((l) => registry.test(l))) expect(lines.filter((l) => !registry.test(l) && !l.startsWith("hint: ")).every((l) => /^WARNING: .*going on without its credentials$/.test(l))).toBe(true);
    else expect(r.stderr).toMatch(aboutFile);
    expect(r.file).toBe(text); // a read never rewrites the file
    answers();
  });

  test.each(shapes.map((t) => [t.slice(0, 50), t] as const))("logout with %s: done, nothing to do, or a clean error", (_label, text) => {
    const r = withConfig(text, ["logout", "127.0.0.1:1"]);
    expect(clean(r.stderr + r.stdout)).toBe(true);
    if (r.status !== 0) expect(r.stderr).toMatch(/^skiff: read (docker config|credentials for) .*\n.+\n$|code: CLI_(DOCKER_CONFIG_INVALID|CREDENTIALS_HELPER)\)\nhint: /);
  });
});
