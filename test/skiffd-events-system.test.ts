// events and system through skiff and docker's CLIs against skiffds started here on one data root:
// events kept across a daemon restart for --since; docker's filters (type, container, image,
// event, label, volume); image and volume actions among them; system df's numbers against the
// stores; system prune removing what docker's would and nothing else; system info's counts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { humanSize } from "../src/api/units.ts";
import { busyboxRootfs } from "./harness/oci.ts";
import { DOCKER_20, DOCKER_28, removeDir, startSkiffd, tempDir, type RunResult, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
const dir = tempDir("skiffd-events");
let tar = "";
const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const api = async (path: string, method = "GET") => (await fetch(`http://skiffd${path}`, { method, unix: d.sock } as RequestInit)).json() as Promise<any>;
let t0 = 0;

beforeAll(async () => {
  d = await startSkiffd([], dir);
  tar = join(dir, "busybox.tar");
  execFileSync("tar", ["-C", busyboxRootfs(), "-cf", tar, "."]);
  t0 = Math.floor(Date.now() / 1000) - 1;
  ok(d.skiff(["import", tar, "busybox:latest", "-c", 'CMD ["sh"]']));
});

afterAll(async () => {
  const left = d?.skiff(["ps", "-aq"]).stdout.split("\n").filter(Boolean) ?? [];
  if (left.length) d.skiff(["rm", "-f", ...left]);
  for (const v of d?.docker(DOCKER_28, ["volume", "ls", "-q"]).stdout.split("\n").filter(Boolean) ?? []) d.docker(DOCKER_28, ["volume", "rm", "-f", v]);
  await d?.stop();
  removeDir(dir);
});

const lines = (out: string) => out.split("\n").filter(Boolean);
/** An --until already past, so that each query answers at once: the next whole second, waited for. */
const pastSecond = async () => {
  const s = Math.ceil(Date.now() / 1000);
  await Bun.sleep(s * 1000 - Date.now() + 20);
  return s;
};
let until = 0;
const since = (extra: string[] = [], format = "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}") => ["events", "--since", String(t0), "--until", String(until), "--format", format, ...extra];

test("events before a daemon restart are still listed by --since after it; filters as docker's", async () => {
  ok(d.skiff(["run", "--name", "first", "--label", "role=probe", "busybox", "true"]));
  ok(d.skiff(["tag", "busybox", "me/bb:1"]));
  ok(d.skiff(["rm", "first"]));
  await d.stop();
  d = await startSkiffd([], dir);
  ok(d.skiff(["run", "--rm", "--name", "second", "busybox", "true"]));
  until = await pastSecond();
  const all = lines(ok(d.skiff(since())));
  expect(all).toContain("container create first");
  expect(all).toContain("container die first");
  expect(all).toContain("container destroy first");
  expect(all).toContain("container destroy second");
  expect(all.indexOf("container create first")).toBeLessThan(all.indexOf("container create second"));
  for (const run of [(a: string[]) => d.skiff(a), (a: string[]) => d.docker(DOCKER_28, a), (a: string[]) => d.docker(DOCKER_20, a)]) {
    const got = (f: string[]) => lines(ok(run(since(f.flatMap((x) => ["--filter", x])))));
    expect(got(["type=image"])).toEqual(["image import sha256:" + got(["type=image"])[0]!.split("sha256:")[1], "image tag me/bb:1"]);
    expect(got(["container=first"]).every((l) => l.endsWith(" first"))).toBe(true);
    expect(got(["container=first"]).map((l) => l.split(" ")[1])).toEqual(["create", "attach", "start", "die", "destroy"]);
    expect(got(["event=die"])).toEqual(["container die first", "container die second"]);
    expect(got(["label=role=probe", "event=start"])).toEqual(["container start first"]);
    expect(got(["image=busybox", "event=create"])).toEqual(["container create first", "container create second"]);
    expect(got(["image=me/bb"])).toEqual(["image tag me/bb:1"]);
    expect(got(["type=container", "type=image", "event=tag"])).toEqual(["image tag me/bb:1"]);
  }
  expect(ok(d.skiff(["system", ...since(["--filter", "type=image"])]))).toBe(ok(d.skiff(since(["--filter", "type=image"]))));
  const bad = d.skiff(["events", "--filter", "colour=red", "--until", "1"]);
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain("invalid filter 'colour'");
});

test("stop, restart and rm -f report each signal they send as a kill event with its number, before the die, as dockerd's", async () => {
  const from = Math.floor(Date.now() / 1000);
  ok(d.skiff(["run", "-d", "--name", "killed", "busybox", "sleep", "1000"]));
  ok(d.skiff(["stop", "-t", "1", "killed"])); // sleep as PID 1 ignores TERM: then KILL
  ok(d.skiff(["start", "killed"]));
  ok(d.skiff(["stop", "-t", "0", "killed"])); // TERM too, then KILL at once (a new-user trial: KILL alone)
  ok(d.skiff(["start", "killed"]));
  ok(d.skiff(["rm", "-f", "killed"]));
  const to = await pastSecond();
  const got = lines(ok(d.skiff(["events", "--since", String(from), "--until", String(to), "--filter", "container=killed", "--format", "{{.Action}} {{.Actor.Attributes.signal}}"]))).map((l) => l.replace(" <no value>", "").trim());
  expect(got).toEqual(["create", "start", "kill 15", "kill 9", "die", "stop", "start", "kill 15", "kill 9", "die", "stop", "start", "kill 9", "die", "destroy"]);
});

test("a since after the until is refused as dockerd does (400, its words); it answered nothing with status 0", async () => {
  const res = await fetch("http://skiffd/events?since=1700000100&until=1700000000", { unix: d.sock } as RequestInit);
  expect([res.status, ((await res.json()) as { message: string }).message]).toEqual([400, "`since` time (1700000100) cannot be after `until` time (1700000000)"]);
  for (const r of [d.skiff(["events", "--since", "1m", "--until", "2m"]), d.docker(DOCKER_28, ["events", "--since", "1m", "--until", "2m"])]) {
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error response from daemon: `since` time \(\d+\) cannot be after `until` time \(\d+\)/);
  }
});

test("an until a month ahead streams until then (it ended at once: a timer past 24.8 days fires after 1 ms)", async () => {
  const ac = new AbortController();
  const until = Math.floor(Date.now() / 1000) + 30 * 86400;
  const res = await fetch(`http://skiffd/events?until=${until}`, { unix: d.sock, signal: ac.signal } as RequestInit);
  const reader = res.body!.getReader();
  const first = reader.read().then((r) => (r.done ? "ended" : "event"));
  try {
    expect(await Promise.race([first, Bun.sleep(500).then(() => "still open")])).toBe("still open");
  } finally {
    ac.abort();
    await first.catch(() => undefined);
  }
});

test("volume events: create, mount, unmount, destroy, filtered by volume", async () => {
  ok(d.docker(DOCKER_28, ["volume", "create", "evvol"]));
  ok(d.skiff(["run", "--rm", "-v", "evvol:/data", "busybox", "true"]));
  ok(d.docker(DOCKER_28, ["volume", "rm", "evvol"]));
  until = await pastSecond();
  const got = lines(ok(d.docker(DOCKER_28, since(["--filter", "volume=evvol"], "{{.Type}} {{.Action}} {{.Actor.ID}}"))));
  expect(got.map((l) => l.split(" ")[1])).toEqual(["create", "mount", "unmount", "destroy"]);
  expect(got.every((l) => l.startsWith("volume ") && l.endsWith(" evvol"))).toBe(true);
});

test("prunes report dockerd's prune event (no actor, reclaimed=N); skiff's --format json is docker 28's {{json .}}", async () => {
  const t = Math.floor(Date.now() / 1000);
  ok(d.skiff(["create", "--name", "prunable", "busybox", "true"]));
  ok(d.skiff(["container", "prune", "-f"]));
  ok(d.skiff(["volume", "prune", "-f"]));
  ok(d.skiff(["image", "prune", "-f"]));
  ok(d.docker(DOCKER_28, ["network", "prune", "-f"]));
  const end = await pastSecond();
  const query = (format: string, extra: string[] = []) => ["events", "--since", String(t), "--until", String(end), "--format", format, ...extra];
  const pruned = lines(ok(d.skiff(query("{{.Type}} {{.Action}} [{{.Actor.ID}}] {{.Actor.Attributes.reclaimed}} {{.Status}}", ["--filter", "event=prune"]))));
  expect(pruned).toEqual(["container prune [] 0 prune", "volume prune [] 0 ", "image prune [] 0 prune", "network prune [] 0 "]);
  const mine = ok(d.skiff(query("json")));
  expect(mine).toBe(ok(d.docker(DOCKER_28, query("{{json .}}"))));
  expect(mine).toMatch(/(^|\n)\{"status":"create","id":"[0-9a-f]{64}","from":"busybox","Type":"container","Action":"create","Actor":\{"ID":"[0-9a-f]{64}","Attributes":\{"image":"busybox","name":"prunable"\}\},"scope":"local","time":\d+,"timeNano":\d{19}\}\n/);
  expect(mine).toContain('{"status":"prune","Type":"container","Action":"prune","Actor":{"ID":"","Attributes":{"reclaimed":"0"}},"scope":"local","time":');
  expect(ok(d.skiff(query("{{.Time}} {{.TimeNano}}", ["--filter", "type=network"])))).toMatch(/^(\d+) \1\d{9}\n$/);
});

test("image prune -a reclaims the image's size, printed as docker 28 prints it; system df -v's SHARED and UNIQUE SIZE in docker's 4 digits", async () => {
  // a layer of its own (busybox's would stay with busybox:latest: nothing reclaimed, as dockerd)
  const own = join(dir, "own");
  execFileSync("sh", ["-c", `mkdir -p ${own} && head -c 1234567 /dev/urandom > ${own}/blob && tar -C ${own} -cf ${own}.tar .`]);
  ok(d.skiff(["import", `${own}.tar`, "reclaim:1", "-c", "LABEL reclaim=1"]));
  const size = (await api("/images/reclaim:1/json")).Size as number;
  const row = (out: string) => out.split("\n").find((l) => l.startsWith("reclaim "))!.split(/\s{2,}/);
  const [mine, docker] = [row(ok(d.skiff(["system", "df", "-v"]))), row(ok(d.docker(DOCKER_28, ["system", "df", "-v"])))];
  expect(mine.slice(4, 7)).toEqual(docker.slice(4, 7)); // SIZE 1.98MB, SHARED SIZE 1.984MB, UNIQUE SIZE 0B (it said 1.98MB)
  // one row per image, under its first tag, as docker's (a new-user trial: one per tag)
  ok(d.skiff(["tag", "reclaim:1", "reclaim:2"]));
  const images = (out: string) => out.slice(0, out.indexOf("Containers space usage:")).split("\n").filter((l) => /^(reclaim|busybox|me\/bb|dang)\s/.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 3).join(" "));
  expect(images(ok(d.skiff(["system", "df", "-v"])))).toEqual(images(ok(d.docker(DOCKER_28, ["system", "df", "-v"]))));
  expect(images(ok(d.skiff(["system", "df", "-v"]))).filter((l) => l.startsWith("reclaim"))).toHaveLength(1);
  ok(d.skiff(["rmi", "reclaim:2"]));
  const out = ok(d.skiff(["image", "prune", "-a", "-f", "--filter", "label=reclaim=1"]));
  expect(size).toBeGreaterThanOrEqual(1234567);
  expect(out).toEndWith(`\nTotal reclaimed space: ${humanSize(size)}\n`); // 1.235MB; it added the compressed blob too
});

test("system df: the images, containers and volumes the stores have, sizes included", async () => {
  ok(d.skiff(["run", "-d", "--name", "writer", "-v", "dfvol:/v", "busybox", "sh", "-c", "head -c 1000000 /dev/zero > /big; head -c 300000 /dev/zero > /v/f; sleep 1000"]));
  try {
    await systemDfOfWriter();
  } finally {
    ok(d.skiff(["rm", "-f", "writer"]));
    ok(d.docker(DOCKER_28, ["volume", "rm", "dfvol"]));
  }
});

/** The checks of system df once the writer's two files are whole (on a loaded machine the volume's
 * file came a moment after the layer's: the wait covers both). */
async function systemDfOfWriter(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const df = await api("/system/df");
    if (df.Containers.find((c: any) => c.Names[0] === "/writer")?.SizeRw >= 1_000_000 && df.Volumes.find((v: any) => v.Name === "dfvol")?.UsageData?.Size >= 300_000) break;
    await Bun.sleep(50);
  }
  const du = await api("/system/df");
  const images = await api("/images/json");
  expect(du.Images.map((i: any) => i.Id).sort()).toEqual(images.map((i: any) => i.Id).sort());
  const bb = du.Images.find((i: any) => i.RepoTags?.includes("busybox:latest"));
  expect(bb.Containers).toBe(1);
  expect(du.LayersSize).toBe(bb.Size); // one layer, shared by both tags of one image
  const writer = du.Containers.find((c: any) => c.Names[0] === "/writer");
  expect(writer.SizeRw).toBeGreaterThanOrEqual(1_000_000);
  expect(writer.SizeRw).toBeLessThan(1_100_000);
  expect(writer.SizeRootFs).toBe(writer.SizeRw + bb.Size);
  expect(du.Volumes.find((v: any) => v.Name === "dfvol").UsageData).toEqual({ RefCount: 1, Size: 300_000 });
  for (const run of [(a: string[]) => d.skiff(a), (a: string[]) => d.docker(DOCKER_28, a), (a: string[]) => d.docker(DOCKER_20, a)]) {
    const rows = lines(ok(run(["system", "df"]))).map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]);
    expect(rows[1]!.slice(0, 3)).toEqual(["Images", "1", "1"]);
    expect(rows[2]!.slice(0, 3)).toEqual(["Containers", "1", "1"]);
    expect(rows[2]![4]).toBe("0B (0%)");
    expect(rows[3]).toEqual(["Local Volumes", "1", "1", "300kB", "0B (0%)"]);
    expect(ok(run(["system", "df", "-v"]))).toContain("Local Volumes space usage:");
  }
}

test("info: live restore on, the volume, network and log drivers skiffd has, the seccomp profile every container gets; as docker 28 prints them", async () => {
  const info = await api("/info");
  expect([info.LiveRestoreEnabled, info.Plugins.Volume, info.Plugins.Network, info.Plugins.Log, info.SecurityOptions[0]]).toEqual([true, ["local"], ["bridge", "host", "null"], ["json-file", "none"], "name=seccomp,profile=default"]);
  for (const out of [ok(d.docker(DOCKER_28, ["info"])), ok(d.skiff(["info"]))]) {
    expect(out).toContain(" Plugins:\n  Volume: local\n  Network: bridge host null\n");
    expect(out).toContain("  Log: json-file none\n");
    expect(out).toContain(" Security Options:\n  seccomp\n   Profile: default\n");
    expect(out).toContain(" Live Restore Enabled: true\n");
    // (they were missing: the storage driver's lines, the init binary)
    expect(out).toMatch(/ Storage Driver: overlay2\n  Backing Filesystem: \w+\n  Supports d_type: true\n/);
    expect(out).toContain(" Init Binary: skiff-init\n");
    expect(out).toMatch(/ Swarm: inactive\n Runtimes: [\w -]*skiff[\w -]*\n/);
  }
});

test("system prune: stopped containers, dangling images and (asked) unused volumes go; what runs and what it uses stay", async () => {
  ok(d.skiff(["import", tar, "dang:1"]));
  ok(d.skiff(["import", tar, "dang:1", "-c", 'CMD ["sh"]'])); // the first dang:1 is dangling now
  const dangling = (await api("/images/json?filters=" + encodeURIComponent('{"dangling":["true"]}'))).map((i: any) => i.Id);
  expect(dangling.length).toBe(1);
  ok(d.skiff(["run", "-d", "--name", "keep", "-v", "kept:/k", "busybox", "sleep", "1000"]));
  ok(d.skiff(["create", "--name", "gone", "-v", "loose:/l", "busybox", "true"]));
  try {
    const images = (await api("/images/json?all=1")).length;
    const info = await api("/info");
    expect([info.Containers, info.ContainersRunning, info.ContainersStopped, info.ContainersPaused, info.Images]).toEqual([2, 1, 1, 0, images]);
    expect(ok(d.skiff(["system", "info"]))).toContain(` Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n Images: ${images}\n`);
    const out = ok(d.skiff(["system", "prune", "-f"]));
    expect(out).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\nDeleted Images:\ndeleted: sha256:[0-9a-f]{64}\n/);
    expect(out).toContain(`deleted: ${dangling[0]}\n`);
    // the dangling image's one layer is busybox's too and the container wrote nothing: dockerd says 0B
    expect(out).toMatch(/\n\nTotal reclaimed space: 0B\n$/);
    expect(lines(ok(d.skiff(["ps", "-a", "--format", "{{.Names}}"])))).toEqual(["keep"]);
    expect((await api("/images/json")).flatMap((i: any) => i.RepoTags).sort()).toEqual(["busybox:latest", "dang:1", "me/bb:1"]);
    expect(lines(ok(d.docker(DOCKER_28, ["volume", "ls", "-q"]))).sort()).toEqual(["kept", "loose"]); // no --volumes: volumes stay
    // -a --volumes: every unused image and volume; the running container's image and volume stay
    const all = ok(d.docker(DOCKER_20, ["system", "prune", "-a", "--volumes", "-f"]));
    expect(all).toContain("Deleted Volumes:\nloose\n");
    expect(all).toContain("untagged: dang:1");
    expect(lines(ok(d.docker(DOCKER_28, ["volume", "ls", "-q"])))).toEqual(["kept"]);
    expect((await api("/images/json")).flatMap((i: any) => i.RepoTags).sort()).toEqual(["busybox:latest", "me/bb:1"]);
    // the prompt: docker 28's words (a new-user trial: skiff said docker 20.10's); no answer is no
    const asked = d.skiff(["system", "prune", "--volumes"], { input: "" });
    expect(asked.status).toBe(0);
    expect(asked.stdout).toBe(
      "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all anonymous volumes not used by at least one container\n  - all dangling images\n  - unused build cache\n\nAre you sure you want to continue? [y/N] ",
    );
    expect(d.skiff(["system", "prune", "--filter", "label=a", "--filter", "until=1h"], { input: "" }).stdout).toBe(
      "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n\n  Items to be pruned will be filtered with:\n  - label=a\n  - until=1h\n\nAre you sure you want to continue? [y/N] ",
    );
    // as it says, and as skiff volume prune does: the anonymous volumes only (it took named ones too)
    ok(d.skiff(["volume", "create", "named-unused"]));
    const anon = ok(d.skiff(["create", "-v", "/anon", "busybox", "true"])).trim();
    const anonVolume = JSON.parse(ok(d.skiff(["inspect", anon])))[0].Mounts[0].Name;
    ok(d.skiff(["rm", anon]));
    const pruned = ok(d.skiff(["system", "prune", "--volumes", "-f"]));
    expect(pruned).toContain(`Deleted Volumes:\n${anonVolume}\n\n`);
    expect(lines(ok(d.skiff(["volume", "ls", "-q"]))).sort()).toEqual(["kept", "named-unused"]);
    ok(d.skiff(["volume", "rm", "named-unused"]));
  } finally {
    d.skiff(["rm", "-f", "keep", "gone"]);
    for (const v of ["kept", "loose"]) d.docker(DOCKER_28, ["volume", "rm", v]);
  }
});

test("exec events: exec_create, exec_start and, when the process ends, exec_die with its execID and exit code, as dockerd's (a new-user trial: no exec_die ever came)", async () => {
  const from = Math.floor(Date.now() / 1000) - 1;
  ok(d.skiff(["run", "-d", "--name", "execed", "busybox", "sleep", "60"]));
  expect(d.skiff(["exec", "execed", "sh", "-c", "exit 4"]).status).toBe(4);
  ok(d.skiff(["exec", "-d", "execed", "true"]));
  await Bun.sleep(300);
  const to = await pastSecond();
  const got = lines(ok(d.skiff(["events", "--since", String(from), "--until", String(to), "--filter", "container=execed", "--filter", "event=exec_die", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}} {{len .Actor.Attributes.execID}}"])));
  expect(got).toEqual(["exec_die 4 64", "exec_die 0 64"]);
  ok(d.skiff(["rm", "-f", "execed"]));
});

test("commit with a name reports the image's tag event, then the container's commit, as dockerd (a new-user trial: no tag event)", async () => {
  const from = Math.floor(Date.now() / 1000);
  ok(d.skiff(["create", "--name", "committed", "busybox", "true"]));
  const id = ok(d.skiff(["commit", "committed", "commits/made:2"])).trim();
  ok(d.skiff(["rm", "committed"]));
  ok(d.skiff(["rmi", "commits/made:2"]));
  const to = await pastSecond();
  const got = lines(ok(d.skiff(["events", "--since", String(from), "--until", String(to), "--filter", "event=tag", "--filter", "event=commit", "--format", "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}"])));
  expect(got.map((l) => l.replace(/ [0-9a-f]{64} committed$/, " committed"))).toEqual([`image tag ${id} commits/made:2`, "container commit committed"]);
});
