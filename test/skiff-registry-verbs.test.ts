// The image verbs a new user reaches for, through skiff and both docker CLIs against a skiffd of
// the test's own: search (a fake registry with docker's v1 search API; Debian's docker-registry,
// which has none), pull -a, "Using default tag", a registry that is not there (refused port,
// unresolvable name: each verb fails at once) and one that fails after answering (retried, told).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startProxy, type FaultProxy } from "../src/engine/registry/testing/fault-proxy.ts";
import { freePort, startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { startSearchRegistry } from "../src/engine/registry/testing/search-registry.ts";
import { busyboxRootfsTar, DOCKER_20, DOCKER_28, ok, SKIFF, startSkiffd, stopAll, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
let registry: RegistryServer;
let searchable: ReturnType<typeof Bun.serve>;
let proxy: FaultProxy;
let refused: string;

const RESULTS = [
  { name: "library/busy", description: "A tiny box\nwith everything a shell needs, described at length", star_count: 42, is_official: true, is_automated: false },
  { name: "me/busy", description: "mine", star_count: 1, is_official: false, is_automated: true },
];

beforeAll(async () => {
  d = await startSkiffd();
  registry = await startRegistry({ dir: join(d.dir, "registry") });
  proxy = await startProxy(registry.url);
  refused = `127.0.0.1:${await freePort()}`;
  searchable = startSearchRegistry((url) => Response.json({ num_results: RESULTS.length, query: url.searchParams.get("q"), results: RESULTS }));
  const ok = d.skiff(["import", busyboxRootfsTar(d.dir), "bb:1"]);
  if (ok.status !== 0) throw new Error(ok.stderr);
}, 60_000);

afterAll(async () => {
  searchable?.stop(true);
  await stopAll(d, proxy, registry);
});

/** A CLI run without blocking this process, whose fake registries must answer meanwhile. */
async function live(which: string, args: string[]) {
  const env = { PATH: process.env.PATH ?? "", HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` };
  const p = Bun.spawn(which === "skiff" ? [SKIFF, "-H", `unix://${d.sock}`, ...args] : [which, ...args], { env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { status, stdout, stderr };
}

/** Runs and times a CLI command; `which` is "skiff" or a docker CLI's path. */
const timed = (which: string, args: string[]) => {
  const started = performance.now();
  const r = which === "skiff" ? d.skiff(args) : d.docker(which, args);
  return { ...r, ms: performance.now() - started };
};

describe("search", () => {
  const term = () => `127.0.0.1:${searchable.port}/busy`;

  test.each(["skiff", DOCKER_28])("%s search shows docker 28's columns from a registry's v1 search API", async (which) => {
    const out = ok(await live(which, ["search", term()]));
    expect(out.split("\n")[0]).toMatch(/^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL$/);
    expect(out).toMatch(/library\/busy\s+A tiny box with everything a shell needs, de…\s+42\s+\[OK\]/);
    expect(out).toMatch(/me\/busy\s+mine\s+1\s*\n/);
  });

  test("docker 20.10's CLI gets the same results (its own AUTOMATED column), filters and --no-trunc", async () => {
    expect(ok(await live(DOCKER_20, ["search", term()]))).toMatch(/me\/busy\s+mine\s+1\s+\[OK\]/);
    const official = ok(await live("skiff", ["search", "-f", "is-official=true", "--no-trunc", term()]));
    expect(official).toContain("A tiny box with everything a shell needs, described at length");
    expect(official).not.toContain("me/busy");
    expect(ok(await live("skiff", ["search", "--filter", "stars=2", "--format", "{{.Name}}", term()]))).toBe("library/busy\n");
    expect(ok(await live(DOCKER_28, ["search", "--limit", "1", "--format", "{{.Name}}", term()]))).toBe("library/busy\n");
  });

  test.each(["skiff", DOCKER_28])("%s search on docker-registry says the registry has no search API", (which) => {
    const r = timed(which, ["search", `${registry.domain}/busy`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the registry ${registry.domain} has no search API (GET /v1/search answered 404)`);
  });

  test("a bad filter and a limit out of range are refused in dockerd's words (the registry is not asked)", () => {
    expect(d.skiff(["search", "-f", "is-official=yes", term()]).stderr).toContain("invalid filter 'is-official=yes'");
    expect(d.skiff(["search", "--limit", "200", term()]).stderr).toContain("limit 200 is outside the range of [1, 100]");
  });
});

describe("pull", () => {
  test("a name without a tag says 'Using default tag: latest' (not with -q); pull -a takes every tag", () => {
    const repo = `${registry.domain}/verbs/bb`;
    for (const tag of ["1", "2"]) ok(d.skiff(["tag", "bb:1", `${repo}:${tag}`]));
    ok(d.skiff(["push", "-a", repo]));
    ok(d.skiff(["rmi", `${repo}:1`, `${repo}:2`]));
    const out = ok(d.skiff(["pull", "-a", repo]));
    expect(out).toMatch(/^1: Pulling from verbs\/bb$/m);
    expect(out).toMatch(/^2: Pulling from verbs\/bb$/m);
    expect(out.match(/^Status: /gm)).toHaveLength(1);
    expect(out.trim().split("\n").at(-1)).toBe(repo);
    expect(ok(d.skiff(["images", "--format", "{{.Tag}}", repo])).split("\n").sort()).toEqual(["", "1", "2"]);
    expect(d.skiff(["pull", "-a", `${repo}:1`]).stderr).toContain("tag can't be used with --all-tags/-a");
    ok(d.skiff(["tag", "bb:1", `${repo}:latest`]));
    ok(d.skiff(["push", `${repo}:latest`]));
    expect(ok(d.skiff(["pull", repo])).split("\n")[0]).toBe("Using default tag: latest");
    expect(ok(d.skiff(["pull", "-q", repo]))).toBe(`${repo}:latest\n`);
  });

  test.each([DOCKER_28, DOCKER_20])("%s pull --all-tags through skiffd takes every tag", (docker) => {
    const repo = `${registry.domain}/verbs/bb`;
    ok(d.skiff(["rmi", `${repo}:1`, `${repo}:2`, `${repo}:latest`]));
    const out = ok(d.docker(docker, ["pull", "--all-tags", repo]));
    expect(out).toMatch(/^2: Pulling from verbs\/bb$/m);
    expect(ok(d.skiff(["images", "--format", "{{.Tag}}", repo])).split("\n").sort()).toEqual(["", "1", "2", "latest"]);
  });
});

describe("a registry that is not there fails at once", () => {
  const cases = (host: string): [string, string[]][] => [
    ["pull", ["pull", `${host}/x:1`]],
    ["push", ["push", `${host}/x:1`]],
    ["login", ["login", "-u", "u", "-p", "p", host]],
  ];
  for (const which of ["skiff", DOCKER_28, DOCKER_20]) {
    test(`${which}: a refused port and an unresolvable name, for pull, push and login, within 2 s`, () => {
      for (const host of [refused, "nonexistent.invalid"]) {
        ok(d.skiff(["tag", "bb:1", `${host}/x:1`]));
        for (const [verb, args] of cases(host)) {
          const r = timed(which, args);
          expect([verb, host, r.status]).toEqual([verb, host, 1]);
          expect(r.stderr).toContain(host === refused ? "connection refused" : "host not found");
          expect(r.ms).toBeLessThan(2000);
        }
      }
    });
  }

  test("a registry answering 503 for a while is retried, and the pull says 'Retrying in N seconds'", async () => {
    const ref = `${proxy.domain}/verbs/retried:1`;
    ok(d.skiff(["tag", "bb:1", `${registry.domain}/verbs/retried:1`]));
    ok(d.skiff(["push", `${registry.domain}/verbs/retried:1`]));
    let failures = 0;
    proxy.hook = (req, url) => (url.pathname.endsWith("/manifests/1") && req.method === "GET" && ++failures <= 2 ? new Response("busy", { status: 503 }) : undefined);
    try {
      const out = ok(await live("skiff", ["pull", ref]));
      expect(out).toMatch(/^Retrying in \d+ seconds?$/m);
      expect(out.trim().split("\n").at(-1)).toBe(ref);
      expect(failures).toBe(3);
    } finally {
      proxy.hook = undefined;
    }
  });

  test("a push whose uploads the registry refuses with 503 at first is retried, and the layer says 'Retrying in N seconds'", async () => {
    // a layer no repository holds, so that it is uploaded (not mounted) and its upload can fail
    const rootfs = join(d.dir, "fresh");
    mkdirSync(rootfs, { recursive: true });
    writeFileSync(join(rootfs, "fresh.txt"), `made at ${Date.now()}`);
    spawnSync("tar", ["-C", rootfs, "-cf", `${rootfs}.tar`, "."]);
    const ref = `${proxy.domain}/verbs/pushed:1`;
    ok(d.skiff(["import", `${rootfs}.tar`, ref]));
    let failures = 0;
    proxy.hook = (req, url) => (req.method === "PUT" && url.pathname.includes("/blobs/uploads/") && ++failures <= 2 ? new Response("busy", { status: 503 }) : undefined);
    try {
      const out = ok(await live("skiff", ["push", ref]));
      expect(out).toMatch(/^[0-9a-f]{12}: Retrying in \d+ seconds?$/m);
      expect(out).toMatch(/1: digest: sha256:[0-9a-f]{64}/);
      expect(failures).toBeGreaterThan(2);
    } finally {
      proxy.hook = undefined;
    }
  });
});
