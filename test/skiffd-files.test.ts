// Files in and out of containers through skiffd, as docker users meet them: cp both ways (running
// and stopped containers, "-" streams, -a owners), diff, export, commit (run the new image, a
// deleted file stays deleted, history shows the layer), and a hostile corpus: symlinks in the
// container pointing at the host's paths with a canary file that must stay unread and unwritten,
// and tars uploaded with "../" names, absolute names, a symlink out then a file through it, a
// hardlink out, a huge header. Nothing may stay mounted on the host afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildTar, tarEntry } from "../src/engine/archive/index.ts";
import { busyboxRootfs } from "./harness/oci.ts";
import { DOCKER_20, DOCKER_28, removeDir, SKIFF, startSkiffd, type RunResult, type Skiffd } from "./harness/skiffd.ts";
import { haveRegistry, startRegistry } from "../src/engine/registry/testing/registry-server.ts";

let d: Skiffd;
let canaryDir: string;
const CANARY = "canary: the host's, never the container's\n";
const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const docker = (args: string[], bin = DOCKER_28) => d.docker(bin, args);
const mountsUnder = (dir: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(dir));
/** The container's event actions so far, as docker's events lists them (after a second: skiffd's --until counts whole seconds, so an event of this second is not listed yet). */
const actions = (name: string) => (Bun.sleepSync(1100), ok(docker(["events", "--since", "1h", "--until", "0s", "--filter", `container=${name}`, "--format", "{{.Action}}"])).split("\n"));
const api = (method: string, path: string, body?: Uint8Array) => fetch(`http://x/v1.41${path}`, { method, body, unix: d.sock } as RequestInit);

beforeAll(async () => {
  d = await startSkiffd();
  const tar = join(d.dir, "busybox.tar");
  execFileSync("tar", ["-C", busyboxRootfs(), "-cf", tar, "."]);
  ok(d.skiff(["import", tar, "busybox:latest", "-c", 'CMD ["sh"]']));
  canaryDir = join(d.dir, "host-secret");
  mkdirSync(canaryDir);
  writeFileSync(join(canaryDir, "canary"), CANARY);
});

afterAll(async () => {
  const left = docker(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
  if (left.length) docker(["rm", "-f", ...left]);
  await d?.stop();
  if (d) removeDir(d.dir);
});

for (const state of ["running", "stopped"] as const) {
  describe(`a ${state} container`, () => {
    const name = `files-${state}`;
    beforeAll(() => {
      // /esc → the host path of the canary dir, /up → ../../.. : both must resolve inside the container
      ok(docker(["run", "-d", "--name", name, "busybox", "sh", "-c", `echo inside > /inside; ln -s ${canaryDir} /esc; ln -s ../../../../../.. /up; rm /bin/vi; sleep 1000`]));
      for (let i = 0; i < 100 && docker(["exec", name, "test", "-L", "/up"]).status !== 0; i++) Bun.sleepSync(20);
      if (state === "stopped") ok(docker(["stop", "-t", "0", name]));
    });

    test("cp out and in with docker 28, docker 20.10 and skiff; - streams a tar", () => {
      const out = join(d.dir, `${state}-out`);
      ok(docker(["cp", `${name}:/inside`, out]));
      expect(readFileSync(out, "utf8")).toBe("inside\n");
      writeFileSync(join(d.dir, `${state}-in`), "from the host\n");
      ok(docker(["cp", join(d.dir, `${state}-in`), `${name}:/tmp/in`], DOCKER_20));
      ok(d.skiff(["cp", `${name}:/tmp/in`, join(d.dir, `${state}-back`)]));
      expect(readFileSync(join(d.dir, `${state}-back`), "utf8")).toBe("from the host\n");
      const listed = execFileSync("tar", ["-t"], { input: Buffer.from(ok(docker(["cp", `${name}:/etc`, "-"])), "latin1") }).toString();
      expect(listed).toContain("etc/passwd");
      ok(d.skiff(["cp", "-", `${name}:/tmp`], { input: Buffer.from(buildTar([{ name: "streamed", type: "file", data: "s\n" }])) }));
      ok(d.skiff(["cp", `${name}:/tmp/streamed`, join(d.dir, `${state}-streamed`)]));
      expect(readFileSync(join(d.dir, `${state}-streamed`), "utf8")).toBe("s\n");
      expect(mountsUnder(d.dir).filter((l) => l.includes("/files/"))).toEqual([]);
    });

    test("cp of / holds the container's files, and its /proc, /sys and /dev only as empty mount points (dockerd's rootfs has no more)", () => {
      const tar = join(d.dir, `${state}-root.tar`);
      execFileSync("sh", ["-c", `"$0" -H "unix://$1" cp "$2:/" - > "$3"`, SKIFF, d.sock, name, tar], { timeout: 60_000 });
      const listed = execFileSync("tar", ["-tf", tar], { maxBuffer: 64 << 20 }).toString().split("\n");
      expect(listed).toContain("/bin/sh");
      expect(listed).toContain("/inside");
      expect(listed.filter((l) => /^\/(proc|sys|dev)\/./.test(l))).toEqual([]);
    });

    test("symlinks out of the container resolve inside it: the host's canary is neither read nor written", () => {
      for (const path of [`/esc/canary`, `/up${canaryDir}/canary`]) {
        const r = docker(["cp", `${name}:${path}`, "-"]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("Could not find the file");
        expect(r.stdout).not.toContain("canary:");
      }
      writeFileSync(join(d.dir, "evil"), "overwritten\n");
      // the destination /esc/ is a directory in the container (made there), never the host's
      docker(["exec", name, "true"]);
      const put = docker(["cp", join(d.dir, "evil"), `${name}:/up${canaryDir}/canary`]);
      expect(readFileSync(join(canaryDir, "canary"), "utf8")).toBe(CANARY);
      expect(readdirSync(canaryDir)).toEqual(["canary"]);
      expect([0, 1]).toContain(put.status);
    });

    test("hostile tars: ../ refused, absolute names stay inside, a symlink out then a file through it and a hardlink out are refused, a huge size or PAX header fails cleanly", async () => {
      const up = await api("PUT", `/containers/${name}/archive?path=/tmp`, buildTar([{ name: "../../../../../../../" + join(canaryDir, "canary").slice(1), type: "file", data: "x" }]));
      expect(up.status).toBe(400);
      expect(await up.text()).toContain("outside of");
      const abs = await api("PUT", `/containers/${name}/archive?path=/tmp`, buildTar([{ name: join(canaryDir, "abs"), type: "file", data: "abs\n" }]));
      expect([abs.status, abs.status === 200 ? "" : await abs.text()]).toEqual([200, ""]);
      const through = await api("PUT", `/containers/${name}/archive?path=/tmp`, buildTar([{ name: "lnk", type: "symlink", linkname: canaryDir }, { name: "lnk/through", type: "file", data: "t\n" }]));
      // a symlink out of the destination is not written through (dockerd refuses it too)
      expect(through.status).toBe(400);
      expect(await through.text()).toContain("is outside of");
      const relative = await api("PUT", `/containers/${name}/archive?path=/tmp`, buildTar([{ name: "sub/", type: "dir" }, { name: "rel", type: "symlink", linkname: "sub" }, { name: "rel/inside", type: "file", data: "r\n" }]));
      expect(relative.status).toBe(200);
      const hard = await api("PUT", `/containers/${name}/archive?path=/tmp`, buildTar([{ name: "h", type: "hardlink", linkname: `../../../../..${canaryDir}/canary` }]));
      expect(hard.status).toBe(400);
      const huge = tarEntry({ name: "big", type: "file", size: 2 ** 40 });
      const big = await api("PUT", `/containers/${name}/archive?path=/tmp`, huge);
      expect([big.status, (await big.text()).includes("cut short")]).toEqual([400, true]);
      // a PAX header that claims a gibibyte of records: refused, not buffered
      const pax = Buffer.from(tarEntry({ name: "pax", type: "file", size: 0 }));
      pax.write("x", 156, "latin1");
      pax.write(`${(2 ** 30).toString(8).padStart(11, "0")}\0`, 124, "latin1");
      pax.fill(0x20, 148, 156);
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += pax[i]!;
      pax.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
      const paxed = await api("PUT", `/containers/${name}/archive?path=/tmp`, Buffer.concat([pax, Buffer.alloc(4096)]));
      expect(paxed.status).toBe(400);
      expect(readdirSync(canaryDir)).toEqual(["canary"]);
      expect(readFileSync(join(canaryDir, "canary"), "utf8")).toBe(CANARY);
      // what the tars wrote is in the container: /tmp/<canaryDir>/abs and, through /tmp/lnk, <canaryDir>/through
      const check = await api("GET", `/containers/${name}/archive?path=${encodeURIComponent(`/tmp${canaryDir}/abs`)}`);
      expect(check.status).toBe(200);
      await check.arrayBuffer();
      expect(mountsUnder(d.dir).filter((l) => l.includes("/files/"))).toEqual([]);
    });

    test("diff shows A, C and D; export has the files", () => {
      const lines = ok(docker(["diff", name])).split("\n");
      expect(lines).toContain("A /inside");
      expect(lines).toContain("C /bin");
      expect(lines).toContain("D /bin/vi");
      expect(lines.some((l) => l.includes("/etc/hosts"))).toBe(false);
      const exported = join(d.dir, `${state}-export.tar`);
      ok(docker(["export", "-o", exported, name]));
      const listed = execFileSync("tar", ["-tf", exported], { maxBuffer: 64 << 20 }).toString().split("\n");
      expect(listed).toContain("inside");
      expect(listed).toContain("bin/sh");
      expect(listed).not.toContain("bin/vi");
    });

    test("commit: the new image runs with the file, the deleted file stays deleted, history shows the layer", () => {
      const id = ok(d.skiff(["commit", "-m", "files test", "-c", "ENV COMMITTED=yes", name, `files/${state}:1`])).trim();
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(ok(docker(["run", "--rm", `files/${state}:1`, "sh", "-c", "cat /inside; echo $COMMITTED; test -e /bin/vi || echo vi-gone"]))).toBe("inside\nyes\nvi-gone\n");
      // paused for the commit (docker's default) and running again after it
      expect(ok(docker(["inspect", "-f", "{{.State.Status}}", name]))).toBe(state === "running" ? "running\n" : "exited\n");
      // docker's events for what this test did: cp out, cp in, export, commit (paused around it when running)
      ok(docker(["cp", `${name}:/inside`, join(d.dir, `${state}-event-out`)]));
      ok(docker(["cp", join(d.dir, `${state}-event-out`), `${name}:/tmp/event-in`]));
      ok(docker(["export", "-o", join(d.dir, `${state}-event.tar`), name]));
      expect(actions(name)).toEqual(expect.arrayContaining(["archive-path", "extract-to-dir", "export", "commit", ...(state === "running" ? ["pause", "unpause"] : [])]));
      const history = ok(d.skiff(["history", "--format", "{{.Comment}}", `files/${state}:1`])).split("\n");
      expect(history[0]).toBe("files test");
      ok(docker(["rmi", `files/${state}:1`]));
    });
  });
}

test("cp owners as dockerd: without -a the host's owners are kept (docker 28, 20.10, skiff); with -a the container's user owns the copy, from its own /etc/passwd, and with no user set the host's owners again (a new-user trial: it was root)", () => {
  ok(docker(["run", "-d", "--name", "owners", "busybox", "sleep", "1000"]));
  const f = join(d.dir, "owned");
  writeFileSync(f, "o\n");
  chownSync(f, 1234, 4321);
  ok(docker(["cp", "-a", f, "owners:/a"]));
  ok(docker(["cp", f, "owners:/b"]));
  ok(docker(["cp", f, "owners:/c"], DOCKER_20));
  ok(d.skiff(["cp", f, "owners:/d"]));
  ok(d.skiff(["cp", "-a", f, "owners:/e"]));
  expect(ok(docker(["exec", "owners", "stat", "-c", "%u:%g", "/a", "/b", "/c", "/d", "/e"]))).toBe("1234:4321\n1234:4321\n1234:4321\n1234:4321\n1234:4321\n");
  ok(docker(["rm", "-f", "owners"]));
  // a user set with -u, whose group is in the container's /etc/passwd (copied in while it is stopped)
  ok(docker(["create", "--name", "owners-u", "-u", "501", "busybox", "sleep", "1000"]));
  const etc = join(d.dir, "owners-etc");
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, "passwd"), "root:x:0:0::/:/bin/sh\napp:x:501:777::/:/bin/sh\n");
  ok(docker(["cp", join(etc, "passwd"), "owners-u:/etc/passwd"]));
  ok(docker(["cp", "-a", f, "owners-u:/a"]));
  ok(d.skiff(["cp", "-a", f, "owners-u:/b"]));
  ok(docker(["start", "owners-u"]));
  expect(ok(docker(["exec", "owners-u", "stat", "-c", "%u:%g", "/a", "/b"]))).toBe("501:777\n501:777\n");
  ok(docker(["rm", "-f", "owners-u"]));
  removeDir(etc);
});

test("a --read-only container refuses a copy in with docker's words", () => {
  ok(docker(["run", "-d", "--read-only", "--name", "ro", "busybox", "sleep", "1000"]));
  writeFileSync(join(d.dir, "ro-in"), "x");
  const r = docker(["cp", join(d.dir, "ro-in"), "ro:/x"]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("container rootfs is marked read-only");
  ok(docker(["rm", "-f", "ro"]));
});

test("commit of a removed container is a clear 404", () => {
  ok(docker(["create", "--name", "gone", "busybox", "true"]));
  ok(docker(["rm", "gone"]));
  const r = docker(["commit", "gone", "x:1"]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("No such container: gone");
  expect(existsSync(join(d.dir, "exec", "files"))).toBe(true);
  expect(readdirSync(join(d.dir, "exec", "files"))).toEqual([]);
});

test.skipIf(!haveRegistry)("a committed image saves, loads, pushes to a registry and pulls back whole", async () => {
  ok(docker(["run", "--name", "to-push", "busybox", "sh", "-c", "echo pushed > /pushed; rm /bin/vi"]));
  const registry = await startRegistry({ dir: join(d.dir, "registry") });
  try {
    const ref = `${registry.domain}/files/pushed:1`;
    ok(docker(["commit", "to-push", ref]));
    const saved = join(d.dir, "pushed.tar");
    ok(docker(["save", "-o", saved, ref]));
    ok(docker(["rmi", ref]));
    ok(docker(["load", "-i", saved]));
    ok(docker(["push", ref]));
    ok(docker(["rmi", ref]));
    ok(docker(["pull", ref]));
    expect(ok(docker(["run", "--rm", ref, "sh", "-c", "cat /pushed; test -e /bin/vi || echo vi-gone"]))).toBe("pushed\nvi-gone\n");
    ok(docker(["rmi", ref]));
  } finally {
    await registry.stop();
    docker(["rm", "-f", "to-push"]);
  }
});

test("save by image id writes no tags, and the archive loads back as that id, as dockerd's (a new-user trial: every tag went with it)", () => {
  const id = ok(docker(["image", "inspect", "-f", "{{.Id}}", "busybox"])).trim();
  ok(docker(["tag", "busybox", "by-id:1"]));
  const saved = join(d.dir, "by-id.tar");
  ok(docker(["save", "-o", saved, id.slice(7, 19)]));
  const manifest = JSON.parse(execFileSync("tar", ["-xOf", saved, "manifest.json"]).toString()) as { RepoTags: string[] | null }[];
  expect(manifest.map((m) => m.RepoTags ?? [])).toEqual([[]]);
  expect(ok(docker(["load", "-i", saved]))).toBe(`Loaded image ID: ${id}\n`);
  ok(docker(["rmi", "by-id:1"]));
});

test("bind mounts: a copy in lands in the host source, running or stopped; a read-only one refuses with docker's words; a stopped container's volume is reached as dockerd does", () => {
  const src = join(d.dir, "bind-src");
  const ro = join(d.dir, "bind-ro");
  mkdirSync(src);
  mkdirSync(ro);
  writeFileSync(join(ro, "kept"), "kept\n");
  ok(docker(["run", "-d", "--name", "binds", "-v", `${src}:/data`, "-v", `${ro}:/ro:ro`, "-v", "files-vol:/vol", "busybox", "sleep", "1000"]));
  writeFileSync(join(d.dir, "bind-in"), "in\n");
  ok(docker(["cp", join(d.dir, "bind-in"), "binds:/data/running"]));
  expect(readFileSync(join(src, "running"), "utf8")).toBe("in\n");
  const refused = docker(["cp", join(d.dir, "bind-in"), "binds:/ro/x"]);
  expect([refused.status, refused.stderr.includes("mounted volume is marked read-only")]).toEqual([1, true]);
  ok(docker(["cp", join(d.dir, "bind-in"), "binds:/vol/in-volume"]));
  ok(docker(["stop", "-t", "0", "binds"]));
  ok(docker(["cp", join(d.dir, "bind-in"), "binds:/data/stopped"]));
  expect(readFileSync(join(src, "stopped"), "utf8")).toBe("in\n");
  expect(ok(docker(["cp", "binds:/ro/kept", "-"]))).toContain("kept\n");
  const ro2 = docker(["cp", join(d.dir, "bind-in"), "binds:/ro/x"]);
  expect([ro2.status, ro2.stderr.includes("mounted volume is marked read-only")]).toEqual([1, true]);
  expect(readdirSync(ro)).toEqual(["kept"]);
  ok(docker(["cp", join(d.dir, "bind-in"), "binds:/vol/stopped"]));
  ok(docker(["start", "binds"]));
  expect(ok(docker(["exec", "binds", "ls", "/vol"]))).toBe("in-volume\nstopped\n");
  ok(docker(["rm", "-f", "-v", "binds"]));
  docker(["volume", "rm", "files-vol"]);
});

test("a copy onto a mount of a running container: a file onto /etc/hosts or a -v FILE bind is written through and the mount stays; what would replace a mount is refused and the volume keeps its files", async () => {
  // (a new-user trial: cp onto /etc/hosts unlinked the bind, and the container's hosts file became
  // a file of its writable layer, shown by diff and kept by commit)
  const fileSrc = join(d.dir, "bound-file");
  writeFileSync(fileSrc, "host's\n");
  ok(docker(["run", "-d", "--name", "mounts", "-v", `${fileSrc}:/bound`, "-v", "mounts-vol:/vol", "busybox", "sleep", "1000"]));
  ok(docker(["exec", "mounts", "sh", "-c", "echo kept > /vol/kept"]));
  const mounted = () => ok(docker(["exec", "mounts", "sh", "-c", "cut -d' ' -f5 /proc/self/mountinfo | grep -E '^/(etc/hosts|bound|vol)$' | sort"]));
  expect(mounted()).toBe("/bound\n/etc/hosts\n/vol\n");
  writeFileSync(join(d.dir, "new-hosts"), "10.0.0.9 elsewhere\n");
  ok(docker(["cp", join(d.dir, "new-hosts"), "mounts:/etc/hosts"]));
  ok(docker(["cp", join(d.dir, "new-hosts"), "mounts:/bound"]));
  expect(ok(docker(["exec", "mounts", "cat", "/etc/hosts", "/bound"]))).toBe("10.0.0.9 elsewhere\n".repeat(2));
  expect(readFileSync(fileSrc, "utf8")).toBe("10.0.0.9 elsewhere\n");
  expect(readFileSync(ok(docker(["inspect", "-f", "{{.HostsPath}}", "mounts"])).trim(), "utf8")).toBe("10.0.0.9 elsewhere\n");
  expect(mounted()).toBe("/bound\n/etc/hosts\n/vol\n");
  expect(ok(docker(["diff", "mounts"]))).not.toContain("/etc/hosts");
  // through the API, as a client that asks to replace directories with files may
  const onVolume = await api("PUT", "/containers/mounts/archive?path=/&noOverwriteDirNonDir=false", buildTar([{ name: "vol", type: "file", data: "x" }]));
  const onHosts = await api("PUT", "/containers/mounts/archive?path=/etc&noOverwriteDirNonDir=false", buildTar([{ name: "hosts/", type: "dir" }]));
  for (const res of [onVolume, onHosts]) {
    const body = (await res.json()) as { message: string; code: string };
    expect([res.status, body.code]).toEqual([409, "ENGINE_ARCHIVE_MOUNT_POINT"]);
    expect(body.message).toContain("a mount is there in the container (EBUSY)");
  }
  expect(mounted()).toBe("/bound\n/etc/hosts\n/vol\n");
  expect(ok(docker(["exec", "mounts", "cat", "/vol/kept"]))).toBe("kept\n");
  ok(docker(["rm", "-f", "-v", "mounts"]));
});

test("docker 20.10's CLI: diff, export -o, commit -c -m and history against skiffd", () => {
  ok(docker(["run", "--name", "old-cli", "busybox", "sh", "-c", "echo x > /x20; rm /bin/vi"], DOCKER_20));
  expect(ok(docker(["diff", "old-cli"], DOCKER_20)).split("\n")).toEqual(expect.arrayContaining(["A /x20", "C /bin", "D /bin/vi"]));
  const out = join(d.dir, "old-cli.tar");
  ok(docker(["export", "-o", out, "old-cli"], DOCKER_20));
  expect(execFileSync("tar", ["-tf", out], { maxBuffer: 64 << 20 }).toString().split("\n")).toContain("x20");
  ok(docker(["commit", "-c", "CMD [\"cat\", \"/x20\"]", "-m", "by 20.10", "old-cli", "files/old:1"], DOCKER_20));
  expect(ok(docker(["run", "--rm", "files/old:1"], DOCKER_20))).toBe("x\n");
  const history = ok(docker(["history", "files/old:1"], DOCKER_20)).split("\n");
  expect(history[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
  expect(history[1]).toContain("by 20.10");
  ok(docker(["rmi", "files/old:1"], DOCKER_20));
  ok(docker(["rm", "old-cli"], DOCKER_20));
});

test("commit of a container that changed nothing: an empty_layer history entry, no layer", () => {
  ok(docker(["create", "--name", "unchanged", "busybox", "true"]));
  ok(docker(["commit", "unchanged", "files/unchanged:1"]));
  expect(ok(docker(["image", "inspect", "-f", "{{len .RootFS.Layers}}", "files/unchanged:1", "busybox"]))).toBe("1\n1\n");
  expect(ok(docker(["history", "--format", "{{.CreatedBy}} {{.Size}}", "files/unchanged:1"])).split("\n")[0]).toBe("true 0B");
  ok(docker(["rmi", "files/unchanged:1"]));
  ok(docker(["rm", "unchanged"]));
});

/** The tree under `dir`: paths (directories with "/", symlinks with their target), sorted. */
function tree(dir: string, at = ""): string[] {
  const out: string[] = [];
  for (const n of readdirSync(join(dir, at)).sort()) {
    const rel = at ? `${at}/${n}` : n;
    const st = lstatSync(join(dir, rel));
    if (st.isDirectory()) out.push(`${rel}/`, ...tree(dir, rel));
    else out.push(st.isSymbolicLink() ? `${rel} -> ${readlinkSync(join(dir, rel))}` : rel);
  }
  return out;
}

for (const [cli, run] of [["skiff", (args: string[]) => d.skiff(args)], ["docker 28", (args: string[]) => docker(args)]] as const) {
  test(`${cli} cp follows docker's copy rules (the results Debian's dockerd gave through docker's CLI)`, () => {
    ok(docker(["run", "-d", "--name", "rules", "busybox", "sh", "-c", "echo hi > /hello; mkdir -p /d/sub; echo a > /d/a; echo s > /d/sub/s; ln -s /etc /etclink; sleep 1000"]));
    for (let i = 0; i < 100 && docker(["exec", "rules", "test", "-L", "/etclink"]).status !== 0; i++) Bun.sleepSync(20);
    const h = mkdtempSync(join(d.dir, "rules-"));
    mkdirSync(join(h, "exist"));
    mkdirSync(join(h, "exist3"));
    writeFileSync(join(h, "file"), "f\n");
    const cp = (...args: string[]) => run(["cp", ...args]);
    ok(cp("rules:/d", join(h, "exist")));
    ok(cp("rules:/d", join(h, "new")));
    ok(cp("rules:/d/.", join(h, "exist2dot")));
    ok(cp("rules:/d/.", join(h, "exist3")));
    ok(cp("rules:/hello", join(h, "exist")));
    ok(cp("rules:/hello", join(h, "newfile")));
    expect([cp("rules:/hello", `${join(h, "nodir")}/`).status, cp("rules:/hello", `${join(h, "nodir")}/`).stderr.includes("no such directory")]).toEqual([1, true]);
    ok(cp("rules:/hello", join(h, "file")));
    // a file named with a trailing / is no directory (dockerd: "not a directory"); nothing is written
    expect([cp("rules:/hello/", join(h, "slash")).status, cp("rules:/hello/", join(h, "slash")).stderr.includes("not a directory"), existsSync(join(h, "slash"))]).toEqual([1, true, false]);
    expect([cp("rules:/d", join(h, "file")).status, cp("rules:/d", join(h, "file")).stderr.includes("cannot copy directory")]).toEqual([1, true]);
    ok(cp("rules:/etclink", join(h, "lnk")));
    ok(cp("-L", "rules:/etclink", join(h, "lnkL")));
    const etc = ok(docker(["exec", "rules", "ls", "/etc"])).split("\n").filter(Boolean).sort();
    expect(tree(h)).toEqual([
      "exist/", "exist/d/", "exist/d/a", "exist/d/sub/", "exist/d/sub/s", "exist/hello",
      "exist2dot/", "exist2dot/a", "exist2dot/sub/", "exist2dot/sub/s",
      "exist3/", "exist3/a", "exist3/sub/", "exist3/sub/s",
      "file",
      "lnk -> /etc",
      "lnkL/", ...etc.map((e) => (e === "mtab" ? "lnkL/mtab -> /proc/mounts" : `lnkL/${e}`)),
      "new/", "new/a", "new/sub/", "new/sub/s",
      "newfile",
    ]);
    expect(readFileSync(join(h, "file"), "utf8")).toBe("hi\n");
    // into the container: a directory into one, its content with /., a file into a directory and onto a new name
    const src = join(h, "new");
    ok(cp(src, "rules:/d"));
    ok(cp(`${src}/.`, "rules:/in2"));
    ok(cp(join(h, "newfile"), "rules:/d"));
    ok(cp(join(h, "newfile"), "rules:/in3"));
    expect([cp(src, "rules:/hello").status, cp(src, "rules:/hello").stderr.includes("cannot copy directory")]).toEqual([1, true]);
    expect(ok(docker(["exec", "rules", "sh", "-c", "cd / && find d in2 in3 | sort"])).split("\n").filter(Boolean)).toEqual(["d", "d/a", "d/new", "d/new/a", "d/new/sub", "d/new/sub/s", "d/newfile", "d/sub", "d/sub/s", "in2", "in2/a", "in2/sub", "in2/sub/s", "in3"]);
    // host symlinks as the source: kept as links, or with -L copied as what they point to (skiff's -L into a container had copied the link)
    symlinkSync("newfile", join(h, "filelink"));
    symlinkSync("new", join(h, "dirlink"));
    ok(docker(["exec", "rules", "mkdir", "/L"]));
    ok(cp(join(h, "filelink"), "rules:/L/fl"));
    ok(cp("-L", join(h, "filelink"), "rules:/L/flL"));
    ok(cp("-L", join(h, "dirlink"), "rules:/L/dlL"));
    expect(ok(docker(["exec", "rules", "sh", "-c", "cd /L && for f in fl flL dlL dlL/a; do if [ -L $f ]; then echo $f link; elif [ -d $f ]; then echo $f dir; else echo $f file; fi; done"]))).toBe("fl link\nflL file\ndlL dir\ndlL/a file\n");
    ok(docker(["rm", "-f", "rules"]));
  });
}

test("save -o and export -o into a FIFO write through it and leave it a FIFO (a rename into place had replaced the node: save -o /dev/null turned the host's /dev/null into a regular file)", async () => {
  const fifo = join(d.dir, "out.fifo");
  execFileSync("mkfifo", [fifo]);
  ok(d.skiff(["create", "--name", "fifo-export", "busybox", "true"]));
  try {
    for (const argv of [["save", "-o", fifo, "busybox"], ["export", "-o", fifo, "fifo-export"]]) {
      const reader = Bun.spawn(["timeout", "30", "sh", "-c", `wc -c < ${fifo}`], { stdout: "pipe" });
      ok(d.skiff(argv));
      expect([argv[0], Number((await new Response(reader.stdout).text()).trim()) > 10_000]).toEqual([argv[0], true]);
      expect([argv[0], lstatSync(fifo).isFIFO()]).toEqual([argv[0], true]);
    }
  } finally {
    ok(d.skiff(["rm", "fifo-export"]));
  }
});

test("cp's progress line on a terminal, as docker 28's: 3 significant digits, a local destination made absolute with its trailing slash (a new-user trial: the path as typed, 4 digits)", () => {
  const name = `cpline-${process.pid}`;
  const dir = mkdtempSync("/tmp/skiff-cpline-");
  try {
    expect(docker(["run", "-d", "--name", name, "busybox", "sh", "-c", "head -c 4608 /dev/zero > /f; sleep 1000"]).status).toBe(0);
    // (script gives the command a terminal for its stderr, as a user's shell does)
    const onTty = (cli: string) => execFileSync("script", ["-qec", `${cli} cp ${name}:/f out/`, "/dev/null"], { cwd: dir, encoding: "utf8", env: { ...process.env, DOCKER_HOST: `unix://${d.sock}`, SKIFF_HOST: `unix://${d.sock}` } }).replace(/\r/g, "");
    mkdirSync(join(dir, "out"));
    const docker28 = onTty(DOCKER_28);
    expect(docker28).toBe(`Successfully copied 6.14kB to ${dir}/out/\n`); // (the archive's bytes: 6,144)
    expect(onTty(SKIFF)).toBe(docker28);
  } finally {
    docker(["rm", "-f", name]);
    removeDir(dir);
  }
});
