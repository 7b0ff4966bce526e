// Volumes through skiffd as docker users meet them, with docker's CLIs (28 and Debian's 20.10)
// and skiff against a skiffd started here, on an image imported from Debian's busybox with a
// /data directory of owned files and a VOLUME: named volumes that outlive their containers,
// copy-up of the image's content (owners, modes, symlinks), read-only mounts, anonymous volumes
// and rm -v / --rm, --volumes-from, the local driver's tmpfs and bind options mounted at first
// use and unmounted after, and bad input (a volume in use, an unknown driver, names with / or ..,
// a device that does not exist), with canaries that prove nothing is written outside a volume's
// directory. The harness checks after each test that no mount is left.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { busyboxRootfs } from "./harness/oci.ts";
import { DOCKER_20, DOCKER_28, removeDir, startSkiffd, type RunResult, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
let data: string;
const docker = (args: string[], bin = DOCKER_28): RunResult => d.docker(bin, args);
const skiff = (args: string[], input?: string): RunResult => d.skiff(args, { input });
const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const mountsUnder = (dir: string) =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p.startsWith(dir));
const api = (method: string, path: string, body?: unknown) => fetch(`http://skiffd/v1.41${path}`, { method, unix: d.sock, body: body === undefined ? undefined : JSON.stringify(body), headers: { "Content-Type": "application/json" } } as RequestInit);
const canary = () => join(d.dir, "canary");
const volumeDirs = () => (existsSync(join(data, "volumes")) ? readdirSync(join(data, "volumes")).sort() : []);

beforeAll(async () => {
  d = await startSkiffd();
  data = join(d.dir, "data");
  // the image: busybox, and /data with a file owned 1234:5678 mode 0640, a directory owned 42:43, a symlink out of it
  const root = join(d.dir, "image");
  cpSync(busyboxRootfs(), root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, "data/sub"), { recursive: true });
  writeFileSync(join(root, "data/f"), "from the image\n");
  chownSync(join(root, "data/f"), 1234, 5678);
  chmodSync(join(root, "data/f"), 0o640);
  chownSync(join(root, "data/sub"), 42, 43);
  chmodSync(join(root, "data"), 0o750);
  symlinkSync("/etc/passwd", join(root, "data/link"));
  const tar = join(d.dir, "image.tar");
  execFileSync("tar", ["-C", root, "--numeric-owner", "-cf", tar, "."]);
  ok(d.skiff(["import", tar, "vimg:latest", "-c", 'CMD ["sh"]', "-c", "VOLUME /data"]));
  ok(d.skiff(["import", tar, "busybox:latest", "-c", 'CMD ["sh"]']));
  mkdirSync(canary());
  writeFileSync(join(canary(), "keep"), "canary\n");
});

afterAll(async () => {
  const left = docker(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
  if (left.length) docker(["rm", "-f", "-v", ...left]);
  for (const v of docker(["volume", "ls", "-q"]).stdout.split("\n").filter(Boolean)) docker(["volume", "rm", "-f", v]);
  await d?.stop();
  expect(readFileSync(join(canary(), "keep"), "utf8")).toBe("canary\n");
  expect(readdirSync(canary())).toEqual(["keep"]);
  if (d) removeDir(d.dir);
});

for (const [cli, bin] of [["docker 28", DOCKER_28], ["docker 20.10", DOCKER_20]] as const) {
  describe(`${cli} against skiffd`, () => {
    test("a named volume's data outlives its container and is seen by the next; inspect shows it as dockerd does", () => {
      const name = `keep-${bin.length}`;
      ok(docker(["run", "--rm", "-v", `${name}:/store`, "busybox", "sh", "-c", "echo kept > /store/note"], bin));
      expect(ok(docker(["run", "--rm", "-v", `${name}:/again`, "busybox", "cat", "/again/note"], bin))).toBe("kept\n");
      expect(readFileSync(join(data, "volumes", name, "_data/note"), "utf8")).toBe("kept\n");
      ok(docker(["create", "--name", `insp-${bin.length}`, "-v", `${name}:/store:ro`, "busybox"], bin));
      const mounts = JSON.parse(ok(docker(["inspect", "-f", "{{json .Mounts}}", `insp-${bin.length}`], bin)));
      expect(mounts).toEqual([{ Type: "volume", Name: name, Source: join(data, "volumes", name, "_data"), Destination: "/store", Driver: "local", Mode: "ro", RW: false, Propagation: "" }]);
      expect(ok(docker(["inspect", "-f", "{{json .HostConfig.Binds}}", `insp-${bin.length}`], bin))).toBe(`["${name}:/store:ro"]\n`);
      ok(docker(["rm", `insp-${bin.length}`], bin));
      ok(docker(["volume", "rm", name], bin));
      expect(existsSync(join(data, "volumes", name))).toBe(false);
    });

    test("volume rm of a volume in use is refused (409), with -f too; ls --filter dangling tells used from unused", () => {
      ok(docker(["volume", "create", "busy"], bin));
      ok(docker(["create", "--name", "holder", "-v", "busy:/b", "busybox"], bin));
      for (const args of [["volume", "rm", "busy"], ["volume", "rm", "-f", "busy"]]) {
        const r = docker(args, bin);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("remove busy: volume is in use - [");
      }
      expect(ok(docker(["volume", "ls", "-q", "--filter", "dangling=false"], bin))).toBe("busy\n");
      expect(ok(docker(["ps", "-a", "--format", "{{.Names}}", "--filter", "volume=busy"], bin))).toBe("holder\n");
      expect(ok(docker(["ps", "-a", "--format", "{{.Names}}", "--filter", "volume=/b"], bin))).toBe("holder\n");
      expect(ok(docker(["ps", "-a", "-q", "--filter", "volume=other"], bin))).toBe("");
      ok(docker(["rm", "holder"], bin));
      expect(ok(docker(["volume", "ls", "-q", "--filter", "dangling=true"], bin))).toBe("busy\n");
      expect(ok(docker(["volume", "rm", "busy"], bin))).toBe("busy\n");
    });
  });
}

test("copy-up: a new volume is filled with the image's content, owners, modes and symlinks kept; nocopy and a used volume are not", () => {
  const ls = ok(docker(["run", "--rm", "-v", "cu:/data", "vimg", "sh", "-c", "stat -c '%n %u:%g %a' /data /data/f /data/sub; readlink /data/link; cat /data/f"]));
  expect(ls).toBe("/data 0:0 750\n/data/f 1234:5678 640\n/data/sub 42:43 755\n/etc/passwd\nfrom the image\n");
  const f = statSync(join(data, "volumes/cu/_data/f"));
  expect([f.uid, f.gid, f.mode & 0o777]).toEqual([1234, 5678, 0o640]);
  // a volume with content keeps it: no second copy over a changed file
  ok(docker(["run", "--rm", "-v", "cu:/data", "vimg", "sh", "-c", "echo changed > /data/f; rm /data/link"]));
  expect(ok(docker(["run", "--rm", "-v", "cu:/data", "vimg", "sh", "-c", "cat /data/f; ls /data"]))).toBe("changed\nf\nsub\n");
  expect(ok(docker(["run", "--rm", "--mount", "type=volume,src=nc,dst=/data,volume-nocopy", "vimg", "ls", "-A", "/data"]))).toBe("");
  ok(docker(["volume", "rm", "cu", "nc"]));
});

test("read-only volumes: -v NAME:/p:ro and --mount readonly refuse writes; the volume is untouched", () => {
  ok(docker(["volume", "create", "rov"]));
  for (const how of [["-v", "rov:/r:ro"], ["--mount", "type=volume,source=rov,target=/r,readonly"]]) {
    const r = docker(["run", "--rm", ...how, "busybox", "sh", "-c", "echo x > /r/f"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Read-only file system");
  }
  expect(readdirSync(join(data, "volumes/rov/_data"))).toEqual([]);
  ok(docker(["volume", "rm", "rov"]));
});

test("anonymous volumes: -v /p and the image's VOLUME get 64-hex names; rm -v and --rm remove them, named ones stay", () => {
  const before = new Set(ok(docker(["volume", "ls", "-q"])).split("\n").filter(Boolean));
  ok(docker(["create", "--name", "anon", "-v", "/scratch", "-v", "named1:/n", "vimg"]));
  const mounts = JSON.parse(ok(docker(["inspect", "-f", "{{json .Mounts}}", "anon"]))) as { Name: string; Destination: string; Mode: string }[];
  const anon = mounts.filter((m) => m.Destination !== "/n");
  expect(anon.map((m) => m.Destination).sort()).toEqual(["/data", "/scratch"]);
  for (const m of anon) expect([m.Name, m.Mode]).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), ""]);
  ok(docker(["start", "-a", "anon"]));
  // the image's VOLUME was filled from the image as well
  expect(readFileSync(join(data, "volumes", anon.find((m) => m.Destination === "/data")!.Name, "_data/f"), "utf8")).toBe("from the image\n");
  ok(docker(["rm", "-v", "anon"]));
  const after = ok(docker(["volume", "ls", "-q"])).split("\n").filter((v) => v && !before.has(v));
  expect(after).toEqual(["named1"]);
  // --rm: the same, once the container has exited
  ok(docker(["run", "--rm", "-v", "/tmpvol", "busybox", "true"]));
  expect(ok(docker(["volume", "ls", "-q"])).split("\n").filter((v) => v && !before.has(v))).toEqual(["named1"]);
  ok(docker(["volume", "rm", "named1"]));
});

test("--volumes-from: the other container's volumes, read-only with :ro; an unknown container is a 400", () => {
  ok(docker(["run", "--name", "src", "-v", "/shared", "-v", "fromv:/named", "busybox", "sh", "-c", "echo s > /shared/f; echo n > /named/f"]));
  expect(ok(docker(["run", "--rm", "--volumes-from", "src", "busybox", "sh", "-c", "cat /shared/f /named/f; echo w > /shared/g"]))).toBe("s\nn\n");
  const ro = docker(["run", "--rm", "--volumes-from", "src:ro", "busybox", "sh", "-c", "cat /shared/f; echo w > /shared/h"]);
  expect([ro.stdout, ro.status]).toEqual(["s\n", 1]);
  expect(ro.stderr).toContain("Read-only file system");
  const missing = docker(["run", "--rm", "--volumes-from", "nosuch", "busybox", "true"]);
  expect([missing.status, missing.stderr.includes("No such container: nosuch"), missing.stderr.includes("Unable to find image")]).toEqual([125, true, false]);
  // the shared anonymous volume went with src only (the --rm containers left it to its owner)
  ok(docker(["rm", "-v", "src"]));
  expect(ok(docker(["volume", "ls", "-q"]))).toBe("fromv\n");
  ok(docker(["volume", "rm", "fromv"]));
});

test("--opt type=tmpfs: mounted at the first use, unmounted when its container exits and when the volume goes", () => {
  ok(docker(["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=1m,mode=0700", "tv"]));
  const at = join(data, "volumes/tv/_data");
  expect(mountsUnder(at)).toEqual([]);
  ok(docker(["run", "-d", "--name", "tmpuser", "-v", "tv:/t", "busybox", "sleep", "60"]));
  expect(mountsUnder(at)).toEqual([at]);
  expect(ok(docker(["exec", "tmpuser", "sh", "-c", "echo x > /t/f; df -k /t | tail -1 | awk '{print $2}'; stat -c %a /t"]))).toBe("1024\n700\n");
  const inUse = docker(["volume", "rm", "tv"]);
  expect(inUse.stderr).toContain("volume is in use");
  ok(docker(["rm", "-f", "tmpuser"]));
  expect(mountsUnder(at)).toEqual([]);
  // as dockerd's local driver: a tmpfs volume's content goes with its mount
  expect(ok(docker(["run", "--rm", "-v", "tv:/t", "busybox", "ls", "-A", "/t"]))).toBe("");
  expect(mountsUnder(at)).toEqual([]);
  // copy-up into the tmpfs itself, for the container's life (dockerd 20.10 copies into a mount of its
  // own that it then takes away, so its tmpfs volumes start empty: a difference on purpose)
  expect(ok(docker(["run", "--rm", "-v", "tv:/data", "vimg", "ls", "/data"]))).toBe("f\nlink\nsub\n");
  expect(mountsUnder(at)).toEqual([]);
  ok(docker(["volume", "rm", "tv"]));
  expect(existsSync(join(data, "volumes/tv"))).toBe(false);
});

test("--opt type=none,o=bind,device=DIR: the container writes into DIR; a device that does not exist fails the start, nothing mounted", () => {
  const host = join(d.dir, "bound");
  mkdirSync(host);
  ok(docker(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${host}`, "bv"]));
  ok(docker(["run", "--rm", "--mount", "type=volume,src=bv,dst=/b", "busybox", "sh", "-c", "echo through > /b/f"]));
  expect(readFileSync(join(host, "f"), "utf8")).toBe("through\n");
  expect(mountsUnder(join(data, "volumes"))).toEqual([]);
  ok(docker(["volume", "rm", "bv"]));
  expect(readFileSync(join(host, "f"), "utf8")).toBe("through\n"); // removing the volume leaves the device's files

  ok(docker(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${join(d.dir, "nothing-here")}`, "gone"]));
  const r = docker(["run", "--name", "nodev", "-v", "gone:/g", "busybox", "true"]);
  expect(r.status).toBe(127); // (docker's CLI: a start failing with "no such file or directory", as against dockerd)
  expect(r.stderr).toContain(`error while mounting volume '${join(data, "volumes/gone/_data")}': failed to mount local volume: mount ${join(d.dir, "nothing-here")}:${join(data, "volumes/gone/_data")}, flags: 0x1000: no such file or directory`);
  expect(mountsUnder(join(data, "volumes"))).toEqual([]);
  expect(existsSync(join(d.dir, "nothing-here"))).toBe(false);
  ok(docker(["rm", "nodev"]));
  ok(docker(["volume", "rm", "gone"]));
});

test("bad input: an unknown driver, bad names, names with / and .., bad options: clear errors, nothing made anywhere", async () => {
  const before = volumeDirs();
  writeFileSync(join(data, "canary"), "data root canary\n"); // (what "../canary" would name from the volumes dir)
  const nfs = docker(["volume", "create", "-d", "nfs", "nfsvol"]);
  expect([nfs.status, nfs.stderr.trim()]).toEqual([1, 'Error response from daemon: create nfsvol: error looking up volume plugin nfs: plugin "nfs" not found']);
  const short = docker(["volume", "create", "x"]);
  expect(short.stderr).toContain("create x: volume name is too short, names should be at least two alphanumeric characters");
  for (const name of ["..", "a/b", "../../escape", ".hidden", "sp ace", "é"]) {
    const r = docker(["volume", "create", name]);
    expect([name, r.status, r.stderr.includes("includes invalid characters for a local volume name")]).toEqual([name, 1, true]);
  }
  const opt = docker(["volume", "create", "--opt", "bogus=1", "optvol"]);
  expect(opt.stderr).toContain('create optvol: invalid option: "bogus"');
  const half = docker(["volume", "create", "--opt", "type=tmpfs", "halfvol"]);
  expect(half.stderr).toContain('create halfvol: missing required option: "device"');
  // through the API: a 400 for the name, and a lookup by a path is a plain 404
  expect((await api("POST", "/volumes/create", { Name: "../../escape" })).status).toBe(400);
  // a volume subpath (API 1.45's) is refused, not ignored: the whole volume was mounted (a new-user trial)
  const sub = await api("POST", "/containers/create", { Image: "busybox", Cmd: ["true"], HostConfig: { Mounts: [{ Type: "volume", Source: "subvol", Target: "/m", VolumeOptions: { Subpath: "only" } }] } });
  expect([sub.status, ((await sub.json()) as { message: string }).message]).toEqual([400, expect.stringContaining("a volume subpath is not served by skiffd")]);
  const lookup = await api("GET", `/volumes/${encodeURIComponent("../../canary")}`);
  expect(lookup.status).toBe(404);
  expect((await api("DELETE", `/volumes/${encodeURIComponent("../canary")}?force=1`)).status).toBe(204); // force: no such volume is no error
  expect((await api("POST", "/volumes/create", { Name: "typed", Labels: { a: 1 } })).status).toBe(400);
  expect((await api("POST", "/volumes/create", { Name: "nul\u0000x" })).status).toBe(400);
  expect((await api("POST", "/volumes/create", { Name: "big", DriverOpts: { type: "tmpfs", device: "x".repeat(2 << 20) } })).status).toBe(413);
  expect((await api("POST", "/volumes/create", [1, 2])).status).toBe(400);
  expect((await api("POST", `/volumes/prune?filters=${encodeURIComponent("{not json")}`)).status).toBe(400);
  expect((await api("GET", `/volumes?filters=${encodeURIComponent('{"bogus":["x"]}')}`)).status).toBe(400);
  // a run whose named volume is refused makes no container and no volume
  const run = docker(["run", "--rm", "-v", "a..b/c:/x", "busybox", "true"]);
  expect(run.status).toBe(125);
  expect(volumeDirs()).toEqual(before);
  expect(ok(docker(["ps", "-aq"]))).toBe("");
  expect(existsSync(join(d.dir, "escape"))).toBe(false);
  expect(readFileSync(join(data, "canary"), "utf8")).toBe("data root canary\n");
  expect(readdirSync(canary())).toEqual(["keep"]);
});

test("the API: create answers 201 with the volume, inspect 404 in dockerd's words, in use 409, prune's answer", async () => {
  const created = await api("POST", "/volumes/create", { Name: "apiv", Labels: { k: "v" }, DriverOpts: {} });
  expect(created.status).toBe(201);
  expect(await created.json()).toEqual({ CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), Driver: "local", Labels: { k: "v" }, Mountpoint: join(data, "volumes/apiv/_data"), Name: "apiv", Options: null, Scope: "local" }); // dockerd's null for no options
  const missing = await api("GET", "/volumes/nosuch");
  expect([missing.status, ((await missing.json()) as { message: string }).message]).toEqual([404, "get nosuch: no such volume"]);
  ok(docker(["create", "--name", "apiuser", "-v", "apiv:/a", "busybox"]));
  expect((await api("DELETE", "/volumes/apiv")).status).toBe(409);
  ok(docker(["rm", "apiuser"]));
  const pruned = await api("POST", `/volumes/prune?filters=${encodeURIComponent('{"label":["k=v"]}')}`);
  expect(await pruned.json()).toEqual({ VolumesDeleted: ["apiv"], SpaceReclaimed: 0 });
});

test("skiff volume: create, ls (columns, -q, --format, --filter), inspect, rm, prune (anonymous only; -a all unused) and their exit codes", () => {
  expect(skiff(["volume", "create", "--label", "team=a", "sk1"]).stdout).toBe("sk1\n");
  const unnamed = ok(skiff(["volume", "create"])).trim(); // (a name of 64 hex digits, yet not anonymous: prune keeps it, as docker 23+)
  expect(unnamed).toMatch(/^[0-9a-f]{64}$/);
  ok(skiff(["volume", "create", "sk2"]));
  ok(skiff(["create", "--name", "skanon", "-v", "/anon", "busybox"]));
  const anon = (JSON.parse(ok(skiff(["inspect", "skanon"])))[0].Mounts[0] as { Name: string }).Name;
  ok(skiff(["rm", "skanon"]));
  expect(ok(skiff(["volume", "ls"]))).toBe(`DRIVER    VOLUME NAME\n${[anon, unnamed].sort().map((n) => `local     ${n}\n`).join("")}local     sk1\nlocal     sk2\n`);
  expect(ok(skiff(["volume", "ls", "-q", "--filter", "label=team=a"]))).toBe("sk1\n");
  expect(ok(skiff(["volume", "ls", "--format", "table", "--filter", "label=team=a"]))).toBe("DRIVER    VOLUME NAME\nlocal     sk1\n");
  expect(ok(skiff(["volume", "ls", "--format", "table {{.Name}}\t{{.Scope}}", "--filter", "label=team=a"]))).toBe("VOLUME NAME   SCOPE\nsk1           local\n");
  expect(ok(skiff(["volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Labels}}", "--filter", "name=sk1"]))).toBe("sk1 local team=a\n");
  expect(JSON.parse(ok(skiff(["volume", "inspect", "sk1"])))[0]).toMatchObject({ Name: "sk1", Labels: { team: "a" }, Driver: "local" });
  expect(ok(skiff(["inspect", "-f", "{{.Name}} {{.Driver}}", "sk1"]))).toBe("sk1 local\n"); // (neither a container nor an image: a volume, as docker inspect)
  expect(ok(skiff(["inspect", "--type", "volume", "-f", "{{.Name}}", "sk1"]))).toBe("sk1\n");
  expect(skiff(["inspect", "--type", "container", "sk1"]).status).toBe(1);
  const missing = skiff(["volume", "inspect", "sk1", "nosuch"]);
  expect([missing.status, missing.stderr.includes("get nosuch: no such volume")]).toEqual([1, true]);
  expect(skiff(["volume", "prune", "-f"]).stdout).toBe(`Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`);
  expect(skiff(["volume", "prune"], "n\n").stdout).toBe("WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ");
  expect(ok(skiff(["volume", "ls", "-q"]))).toBe(`${unnamed}\nsk1\nsk2\n`);
  ok(skiff(["volume", "rm", unnamed]));
  expect(skiff(["volume", "prune", "-a", "-f", "--filter", "label=team=a"]).stdout).toContain("Deleted Volumes:\nsk1\n");
  const rm = skiff(["volume", "rm", "sk2", "nosuch"]);
  expect([rm.status, rm.stdout]).toEqual([1, "sk2\n"]);
  // skiff run --mount, --volumes-from, rm -v and --rm
  ok(skiff(["run", "--name", "skfrom", "--mount", "type=volume,src=skm,dst=/m", "-v", "/skanon2", "busybox", "sh", "-c", "echo m > /m/f"]));
  expect(ok(skiff(["run", "--rm", "--volumes-from", "skfrom:ro", "busybox", "cat", "/m/f"]))).toBe("m\n");
  ok(skiff(["rm", "-v", "skfrom"]));
  ok(skiff(["run", "--rm", "-v", "/gone", "busybox", "true"]));
  expect(ok(skiff(["volume", "ls", "-q"]))).toBe("skm\n");
  ok(skiff(["volume", "rm", "skm"]));
  expect(skiff(["volume", "ls", "--bogus"]).status).toBe(125);
  expect(skiff(["volume", "create", "a", "b"]).status).toBe(1); // docker: a wrong count is its command's refusal, status 1
});

test("docker's CLIs against API 1.41: prune takes every unused volume as dockerd 20.10 does; docker 28 refuses -a itself", () => {
  ok(docker(["volume", "create", "pn1"]));
  const all = docker(["volume", "prune", "-a", "-f"]);
  expect(all.stderr).toContain('"--all" requires API version 1.42');
  expect(ok(docker(["volume", "prune", "-f"], DOCKER_20))).toContain("\npn1\n");
  expect(ok(docker(["volume", "ls", "-q"]))).toBe("");
});

test("events: volume create, mount, unmount and destroy", () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  ok(docker(["run", "--rm", "-v", "ev:/e", "busybox", "true"]));
  ok(docker(["volume", "rm", "ev"]));
  Bun.sleepSync(50);
  const until = Math.ceil(Date.now() / 1000) + 1;
  const out = ok(docker(["events", "--since", String(since), "--until", String(until), "--filter", "type=volume", "--format", "{{.Action}} {{.Actor.ID}}"]));
  expect(out.split("\n").filter((l) => l.endsWith(" ev"))).toEqual(["create ev", "mount ev", "unmount ev", "destroy ev"]);
});

test("a running container keeps its tmpfs volume mounted across a daemon restart; its removal then unmounts it", async () => {
  ok(docker(["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "live"]));
  ok(docker(["run", "-d", "--name", "liver", "-v", "live:/l", "busybox", "sh", "-c", "echo alive > /l/f; sleep 60"]));
  const at = join(data, "volumes/live/_data");
  await d.stop();
  expect(mountsUnder(at)).toEqual([at]); // (as dockerd with live-restore: the container runs on, and so does its volume)
  d = await startSkiffd([], d.dir);
  for (let i = 0; i < 100 && docker(["version"]).status !== 0; i++) await Bun.sleep(20);
  expect(ok(docker(["exec", "liver", "cat", "/l/f"]))).toBe("alive\n");
  ok(docker(["rm", "-f", "liver"]));
  expect(mountsUnder(at)).toEqual([]);
  ok(docker(["volume", "rm", "live"]));
});

test("a daemon killed with -9 whose container exits meanwhile: the next daemon unmounts the container's tmpfs volume", async () => {
  ok(docker(["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "orphan"]));
  ok(docker(["run", "-d", "--name", "shortlived", "-v", "orphan:/o", "busybox", "sleep", "60"]));
  const at = join(data, "volumes/orphan/_data");
  const pid = Number(ok(docker(["inspect", "-f", "{{.State.Pid}}", "shortlived"])).trim());
  d.proc.kill("SIGKILL");
  await new Promise((r) => (d.proc.exitCode !== null || d.proc.signalCode !== null ? r(null) : d.proc.once("exit", r)));
  process.kill(pid, "SIGKILL"); // the container ends while no daemon is up
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await Bun.sleep(20);
  expect(mountsUnder(at)).toEqual([at]);
  d = await startSkiffd([], d.dir);
  for (let i = 0; i < 100 && docker(["version"]).status !== 0; i++) await Bun.sleep(20);
  expect(ok(docker(["inspect", "-f", "{{.State.Status}}", "shortlived"]))).toBe("exited\n");
  expect(mountsUnder(at)).toEqual([]);
  ok(docker(["rm", "shortlived"]));
  ok(docker(["volume", "rm", "orphan"]));
});

test("-v HOST:CTR with a missing host directory makes it (mkdir -p, 0755) at start as dockerd; --mount type=bind refuses it, nothing made", () => {
  const missing = join(d.dir, "binds-made", "deep", "dir");
  ok(docker(["run", "--rm", "-v", `${missing}:/x`, "busybox", "sh", "-c", "echo hi > /x/f"]));
  expect(readFileSync(join(missing, "f"), "utf8")).toBe("hi\n");
  expect(statSync(missing).mode & 0o7777).toBe(0o755);
  expect(statSync(join(d.dir, "binds-made")).mode & 0o7777).toBe(0o755);
  const old = join(d.dir, "binds-made-20");
  ok(docker(["run", "--rm", "-v", `${old}:/x`, "busybox", "true"], DOCKER_20));
  expect(statSync(old).isDirectory()).toBe(true);
  const refused = join(d.dir, "binds-refused");
  const r = docker(["run", "--rm", "--mount", `type=bind,src=${refused},dst=/x`, "busybox", "true"]);
  expect(r.status).toBe(125);
  expect(r.stderr).toContain(`bind source path does not exist: ${refused}`);
  expect(existsSync(refused)).toBe(false);
  removeDir(join(d.dir, "binds-made"));
  removeDir(old);
});

test("cp into and out of the volumes of a never-started and a stopped container (create, cp a config in, start), with docker 28, 20.10 and skiff; a tmpfs volume is mounted for the copy only", () => {
  const conf = join(d.dir, "app.conf");
  writeFileSync(conf, "port=80\n");
  ok(docker(["create", "--name", "sv", "-v", "cfgvol:/cfg", "-v", "/anon", "busybox", "sh", "-c", "cat /cfg/app.conf /cfg/b /anon/c"]));
  ok(docker(["cp", conf, "sv:/cfg/app.conf"]));
  ok(docker(["cp", conf, "sv:/cfg/b"], DOCKER_20));
  ok(skiff(["cp", conf, "sv:/anon/c"]));
  expect(ok(docker(["start", "-a", "sv"]))).toBe("port=80\nport=80\nport=80\n");
  // stopped now: out of its volumes, and in again
  ok(docker(["cp", "sv:/cfg/app.conf", join(d.dir, "back.conf")]));
  expect(readFileSync(join(d.dir, "back.conf"), "utf8")).toBe("port=80\n");
  ok(skiff(["cp", "sv:/anon/c", join(d.dir, "back-c")]));
  expect(readFileSync(join(d.dir, "back-c"), "utf8")).toBe("port=80\n");
  expect(readFileSync(join(data, "volumes/cfgvol/_data/app.conf"), "utf8")).toBe("port=80\n");
  // skiff's HEAD errors carry the daemon's words, not a bare HTTP status
  const missing = skiff(["cp", "sv:/cfg/nope", join(d.dir, "nope")]);
  expect(missing.status).not.toBe(0);
  expect(missing.stderr).toContain("Could not find the file /cfg/nope in container sv");
  expect(missing.stderr).not.toContain("HTTP 404");
  // copying in asks HEAD first, whose answer has no body: the daemon's words all the same
  const nosuch = skiff(["cp", conf, "nosuch:/cfg/x"]);
  expect(nosuch.status).not.toBe(0);
  expect(nosuch.stderr).toContain("No such container: nosuch");
  expect(nosuch.stderr).not.toContain("HTTP 404");
  ok(docker(["rm", "-v", "sv"]));
  ok(docker(["volume", "rm", "cfgvol"]));
  // a tmpfs volume: mounted for the copy, unmounted after (its content goes with the mount, as in dockerd)
  ok(docker(["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "tcp"]));
  ok(docker(["create", "--name", "tv-cp", "-v", "tcp:/t", "busybox", "true"]));
  ok(docker(["cp", conf, "tv-cp:/t/x"]));
  expect(mountsUnder(join(data, "volumes/tcp"))).toEqual([]);
  ok(docker(["rm", "tv-cp"]));
  ok(docker(["volume", "rm", "tcp"]));
  for (const f of ["app.conf", "back.conf", "back-c"]) removeDir(join(d.dir, f));
});

test("--volume-driver: bogus is dockerd's 404 before anything is made (docker 28 with --pull never); local makes a local volume", async () => {
  const res = await api("POST", "/containers/create?name=vdc", { Image: "busybox", HostConfig: { Binds: ["vdz:/x"], VolumeDriver: "bogus" } });
  expect(res.status).toBe(404);
  expect(((await res.json()) as { message: string }).message).toBe('create vdz: error looking up volume plugin bogus: plugin "bogus" not found');
  const r = docker(["create", "--pull", "never", "--name", "vdc", "--volume-driver", "bogus", "-v", "vdz:/x", "busybox", "true"]);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('create vdz: error looking up volume plugin bogus: plugin "bogus" not found');
  expect(ok(docker(["volume", "ls", "-q"]))).toBe("");
  expect(ok(docker(["ps", "-aq"]))).toBe("");
  ok(docker(["create", "--name", "vdc", "--volume-driver", "local", "-v", "vdz:/x", "busybox", "true"]));
  expect(ok(docker(["volume", "inspect", "-f", "{{.Driver}}", "vdz"]))).toBe("local\n");
  ok(docker(["rm", "vdc"]));
  ok(docker(["volume", "rm", "vdz"]));
});

test("bind propagation: -v SRC:DST:rshared|rslave is applied and shown by inspect; on a private host mount it is dockerd's refusal at start", () => {
  const shared = join(d.dir, "prop-shared");
  const priv = join(d.dir, "prop-private");
  const sh = (...args: string[]) => execFileSync(args[0]!, args.slice(1));
  mkdirSync(shared, { recursive: true });
  mkdirSync(priv, { recursive: true });
  sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", shared);
  sh("mount", "--make-shared", shared);
  sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", priv);
  sh("mount", "--make-private", priv);
  try {
    const xLine = (mode: string) => ok(docker(["run", "--rm", "-v", `${shared}:/x:${mode}`, "busybox", "cat", "/proc/self/mountinfo"])).split("\n").find((l) => l.split(" ")[4] === "/x") ?? "";
    expect(xLine("rshared")).toMatch(/ shared:\d+/);
    expect(xLine("rslave")).toMatch(/ master:\d+/);
    expect(xLine("rslave")).not.toMatch(/ shared:\d+/);
    ok(docker(["create", "--name", "prop", "-v", `${shared}:/x:ro,rshared`, "busybox", "true"]));
    expect(ok(docker(["inspect", "-f", "{{range .Mounts}}{{.Propagation}} {{.Mode}}{{end}} {{index .HostConfig.Binds 0}}", "prop"]))).toBe(`rshared ro,rshared ${shared}:/x:ro,rshared\n`);
    ok(docker(["rm", "prop"]));
    const refused = (mode: string) => docker(["run", "--rm", "--name", "prop", "-v", `${priv}/sub:/x:${mode}`, "busybox", "true"]);
    const a = refused("rshared");
    expect([a.status, a.stderr]).toEqual([125, expect.stringContaining(`path ${priv}/sub is mounted on ${priv} but it is not a shared mount`)]);
    const b = refused("slave");
    expect([b.status, b.stderr]).toEqual([125, expect.stringContaining(`path ${priv}/sub is mounted on ${priv} but it is not a shared or slave mount`)]);
    ok(refused("rprivate"));
    expect(ok(docker(["ps", "-aq"]))).toBe("");
  } finally {
    sh("umount", shared);
    sh("umount", priv);
    removeDir(shared);
    removeDir(priv);
  }
});

test("inspect round-trips --mount as dockerd: HostConfig.Mounts as given, a --mount tmpfs listed in .Mounts (not HostConfig.Tmpfs), HostConfig.Binds only -v's", () => {
  const src = join(d.dir, "mnt-src");
  mkdirSync(src, { recursive: true });
  ok(docker(["create", "--name", "rt", "--mount", `type=bind,src=${src},dst=/b,readonly`, "--mount", "type=tmpfs,dst=/t,tmpfs-size=1048576", "--tmpfs", "/u", "-v", "rtvol:/v", "busybox", "true"]));
  const j = JSON.parse(ok(docker(["inspect", "rt"])))[0] as { HostConfig: { Mounts: Record<string, unknown>[]; Tmpfs: Record<string, string>; Binds: string[] }; Mounts: { Type: string; Destination: string; RW: boolean }[] };
  expect(j.HostConfig.Mounts).toEqual([
    { Type: "bind", Source: src, Target: "/b", ReadOnly: true },
    { Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1048576 } },
  ]);
  expect(j.HostConfig.Tmpfs).toEqual({ "/u": "" });
  expect(j.HostConfig.Binds).toEqual(["rtvol:/v"]);
  expect(j.Mounts.map((m) => `${m.Type} ${m.Destination} ${m.RW}`).sort()).toEqual(["bind /b false", "tmpfs /t true", "volume /v true"]);
  ok(docker(["rm", "-v", "rt"]));
  ok(docker(["volume", "rm", "rtvol"]));
  removeDir(src);
});
