// skiffd through bin/skiff and the docker CLIs (28 and Debian's 20.10), with the real image store
// and a local docker-registry for push and pull.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { DOCKER_20, DOCKER_28, ok, removeDir, startSkiffd, stopAll, tempDir, type Skiffd, busyboxRootfsTar } from "./harness/skiffd.ts";

let d: Skiffd;
let registry: RegistryServer;
let rootfsTar: string;

beforeAll(async () => {
  d = await startSkiffd(["--debug"]);
  registry = await startRegistry({ dir: join(d.dir, "registry") });
  rootfsTar = busyboxRootfsTar(d.dir);
});

afterAll(() => stopAll(d, registry));

describe("skiff", () => {
  test("import, images, tag, inspect --format and rmi", () => {
    const id = ok(d.skiff(["import", "-m", "from a test", "-c", 'CMD ["sh"]', rootfsTar, "bb:1"])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    ok(d.skiff(["tag", "bb:1", "localhost:5000/a/bb:2"]));
    const table = ok(d.skiff(["images"]));
    expect(table.split("\n")[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(table).toMatch(new RegExp(`localhost:5000/a/bb\\s+2\\s+${id.slice(7, 19)}\\s+(Less than a second|1 second|\\d+ seconds) ago\\s+\\d+(\\.\\d+)?MB`));
    expect(ok(d.skiff(["images", "--format", "{{.Repository}}:{{.Tag}}"])).split("\n").sort()).toEqual(["", "bb:1", "localhost:5000/a/bb:2"]);
    // an ID per row (bb:1 and localhost:5000/a/bb:2), as docker's CLI prints them
    expect(ok(d.skiff(["images", "-qa", "--no-trunc"]))).toBe(`${id}\n${id}\n`);
    expect(ok(d.skiff(["image", "inspect", "--format", "{{.Id}} {{json .Config.Cmd}}", "localhost:5000/a/bb:2"])).trim()).toBe(`${id} ["sh"]`);
    expect(JSON.parse(ok(d.skiff(["inspect", "bb:1"])))[0].Id).toBe(id);
    expect(ok(d.skiff(["rmi", "localhost:5000/a/bb:2"]))).toBe("Untagged: localhost:5000/a/bb:2\n");
    // by id, an image of two tags of one repository needs -f, as dockerd's (a new-user trial: both tags and the image went)
    ok(d.skiff(["tag", "bb:1", "bb:2"]));
    const byId = d.docker(DOCKER_28, ["rmi", id.slice(7, 19)]);
    expect([byId.status, byId.stderr.includes(`conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`)]).toEqual([1, true]);
    ok(d.skiff(["rmi", "bb:2"]));
  });

  test("errors: a missing image is exit 1 with the daemon's message; an unknown flag is 125 and a wrong argument count 1, as docker 28", () => {
    const r = d.skiff(["image", "inspect", "nope:1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Error response from daemon:");
    expect(d.skiff(["images", "--bogus"]).status).toBe(125);
    expect(d.skiff(["tag", "only-one"]).status).toBe(1);
    // rmi -f of images that are not there: told, and no failure, as docker 28's (a new-user trial: skiff exited 1)
    for (const rmi of [(a: string[]) => d.skiff(a), (a: string[]) => d.docker(DOCKER_28, a)]) {
      const forced = rmi(["rmi", "-f", "nope:1", "nope:2"]);
      expect(forced.status).toBe(0);
      expect(forced.stderr).toContain("No such image: nope:1");
      expect(forced.stderr).toContain("No such image: nope:2");
      expect(rmi(["rmi", "nope:1"]).status).toBe(1);
    }
  });

  test("push to and pull from a local registry, with plain progress lines", () => {
    const ref = `${registry.domain}/t/bb:1`;
    ok(d.skiff(["tag", "bb:1", ref]));
    expect(ok(d.skiff(["push", ref]))).toMatch(/1: digest: sha256:[0-9a-f]{64} size: \d+/);
    ok(d.skiff(["rmi", ref]));
    ok(d.skiff(["rmi", "bb:1"]));
    const out = ok(d.skiff(["pull", ref]));
    expect(out).toMatch(/1: Pulling from (\S+\/)?t\/bb/);
    expect(out).toMatch(/[0-9a-f]{12}: Pull complete/);
    expect(out).not.toContain("[=");
    expect(out.trim().split("\n").at(-1)).toBe(ref);
  });

  test("save -o and load -i round-trip an image", () => {
    const ref = `${registry.domain}/t/bb:1`;
    const tar = join(d.dir, "saved.tar");
    ok(d.skiff(["save", "-o", tar, ref]));
    expect(existsSync(tar)).toBe(true);
    ok(d.skiff(["rmi", ref]));
    expect(ok(d.skiff(["load", "-i", tar]))).toBe(`Loaded image: ${ref}\n`);
    expect(ok(d.skiff(["images", "--format", "json"]))).toContain(`"Repository":"${registry.domain}/t/bb"`);
  });

  test("login and logout keep credentials in DOCKER_CONFIG/config.json", () => {
    const r = d.skiff(["login", "-u", "user", "--password-stdin", registry.domain], { input: "secret\n" });
    expect(r.stdout).toBe("Login Succeeded\n");
    const config = JSON.parse(require("node:fs").readFileSync(join(d.dir, "docker-config/config.json"), "utf8"));
    expect(config.auths[registry.domain].auth).toBe(Buffer.from("user:secret").toString("base64"));
    expect(ok(d.skiff(["logout", registry.domain]))).toBe(`Removing login credentials for ${registry.domain}\n`);
  });

  test("version and info talk to the daemon", () => {
    expect(ok(d.skiff(["version", "--format", "{{.Server.ApiVersion}}"])).trim()).toBe("1.41");
    expect(ok(d.skiff(["info"]))).toContain(`Docker Root Dir: ${join(d.dir, "data")}`);
  });
});

for (const [name, bin] of [["docker CLI 28", DOCKER_28], ["docker CLI 20.10", DOCKER_20]] as const) {
  describe.skipIf(!existsSync(bin))(name, () => {
    test("version, pull, images, tag, image inspect, save, load, rmi", () => {
      const ref = `${registry.domain}/t/bb:1`;
      expect(ok(d.docker(bin, ["version", "--format", "{{.Server.APIVersion}}"])).trim()).toBe("1.41");
      d.skiff(["rmi", "-f", ref]);
      expect(ok(d.docker(bin, ["pull", ref]))).toMatch(/Pull complete|Already exists/);
      expect(ok(d.docker(bin, ["images", "--format", "{{.Repository}}:{{.Tag}}"]))).toContain(ref);
      ok(d.docker(bin, ["tag", ref, "copy/bb:x"]));
      const id = ok(d.docker(bin, ["image", "inspect", "--format", "{{.Id}}", "copy/bb:x"])).trim();
      expect(id).toMatch(/^sha256:/);
      const tar = join(d.dir, `docker-saved-${bin.replace(/\//g, "_")}.tar`);
      ok(d.docker(bin, ["save", "-o", tar, "copy/bb:x"]));
      expect(ok(d.docker(bin, ["rmi", "copy/bb:x"]))).toContain("Untagged: copy/bb:x");
      expect(ok(d.docker(bin, ["load", "-i", tar]))).toContain("Loaded image: copy/bb:x");
      const missing = d.docker(bin, ["image", "inspect", "nope:404"]);
      expect(missing.status).toBe(1);
      expect(missing.stderr.toLowerCase()).toContain("no such image");
    });
  });
}

test("a second skiffd on the same data root is refused; SIGTERM removes socket and pid file", async () => {
  const dir = tempDir("skiffd2");
  try {
    const second = Bun.spawnSync(["bin/skiffd", "--data-root", join(d.dir, "data"), "-H", `unix://${dir}/s.sock`, "--pidfile", `${dir}/pid`, "--exec-root", `${dir}/exec`], { cwd: join(import.meta.dir, "..") });
    expect(second.exitCode).toBe(1);
    expect(second.stderr.toString()).toContain("another skiffd");
    const other = await startSkiffd([], dir);
    expect(other.skiff(["version"]).status).toBe(0);
    expect(await other.stop()).toBe(0);
    expect(existsSync(other.sock)).toBe(false);
    expect(existsSync(other.pidFile)).toBe(false);
    const down = other.skiff(["images"]);
    expect(down.status).toBe(1);
    expect(down.stderr).toContain("the daemon is not running");
    expect(down.stderr).toContain("skiffd");
  } finally {
    removeDir(dir);
  }
});
