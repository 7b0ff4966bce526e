// What a new user meets first, through the built binaries: skiffd started as non-root or beside a
// daemon on the same exec root is refused before it makes anything; skiff -H with a scheme skiffd
// does not serve; load and import of what is no archive (said without echoing its bytes, with a
// hint), of xz and bzip2 archives (taken, as docker takes them); and import --change read as
// docker's builder reads Dockerfile instructions.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { busyboxRootfsTar, removeDir, SKIFF, SKIFFD, startSkiffd, tempDir, type RunResult, type Skiffd } from "./harness/skiffd.ts";

const run = (bin: string, args: string[], o: { uid?: number } = {}): RunResult => {
  const r = spawnSync(bin, args, { timeout: 30_000, ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}) });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
};
const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const daemonArgs = (dir: string, over: { data?: string; exec?: string } = {}) => [
  "--data-root", over.data ?? join(dir, "data"), "--exec-root", over.exec ?? join(dir, "exec"), "-H", `unix://${join(dir, "skiff.sock")}`, "--pidfile", join(dir, "skiffd.pid"),
];
const made = (dir: string) => readdirSync(dir).sort();

describe("skiffd refuses to start, before it makes anything", () => {
  test("as non-root: one message with its code and a hint, exit status 1, no data or exec root made", () => {
    const dir = tempDir("skiffd-nonroot");
    try {
      const r = run(SKIFFD, daemonArgs(dir), { uid: 65534 });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("skiffd: api: root privileges needed to start (it runs as uid 65534) (API_NOT_ROOT)\nhint: start it as root: sudo bin/skiffd (skiffd has no rootless mode)\n");
      expect(made(dir)).toEqual([]);
      // --help and --version need no root
      expect(run(SKIFFD, ["--version"], { uid: 65534 }).status).toBe(0);
    } finally {
      removeDir(dir);
    }
  });

  test("beside a live daemon on the same exec root (other data root, socket and pid file)", async () => {
    const a = await startSkiffd();
    const dir = tempDir("skiffd-exec2");
    try {
      const r = run(SKIFFD, daemonArgs(dir, { exec: join(a.dir, "exec") }));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`start skiffd on exec root "${join(a.dir, "exec")}": another skiffd (pid ${a.proc.pid}) is using it (API_DAEMON_RUNNING)`);
      expect(r.stderr).toContain("hint: stop it first");
      expect(made(dir)).toEqual([]);
      expect(ok(a.skiff(["version", "--format", "{{.Server.ApiVersion}}"])).trim()).toBe("1.41");
    } finally {
      await a.stop();
      removeDir(a.dir);
      removeDir(dir);
    }
  });
});

test("skiff -H with a scheme skiffd does not serve: the layer/code format with a hint, exit status 1", () => {
  for (const host of ["tcp://127.0.0.1:2375", "ssh://me@example"]) {
    const r = run(SKIFF, ["-H", host, "images"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error: connect to "${host.replace(/[/.]/g, "\\$&")}": the \\w+:// scheme is not supported .*\\(layer: cli, code: CLI_HOST_UNSUPPORTED\\)\\nhint: only unix:// is supported`));
  }
});

describe("load and import", () => {
  let d: Skiffd;
  let rootfs: string;
  beforeAll(async () => {
    d = await startSkiffd();
    rootfs = busyboxRootfsTar(d.dir);
  });
  afterAll(async () => {
    await d?.stop();
    if (d) removeDir(d.dir);
  });

  test("load -i of random bytes and import of a text file say what is not a tar, print none of its bytes, and hint", () => {
    const random = join(d.dir, "random.bin");
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    bytes.write("d\xff:/\ft\x11", 100, "latin1");
    writeFileSync(random, bytes);
    const l = d.skiff(["load", "-i", random]);
    expect(l.status).toBe(1);
    expect(l.stderr).toStartWith("Error response from daemon: read archive: not a tar archive (bad header at byte 0) (layer: image, code: IMAGE_ARCHIVE_INVALID)\nhint: is this a docker save / OCI archive?");
    const i = d.skiff(["import", "/etc/passwd", "x/passwd:1"]);
    expect(i.status).toBe(1);
    expect(i.stderr).toStartWith("Error response from daemon: read tarball: not a tar archive (bad header at byte 0) (layer: image, code: IMAGE_TARBALL_INVALID)\nhint: ");
    for (const out of [l.stderr, i.stderr]) expect(out).toMatch(/^[\x20-\x7e\n]*$/);
    expect(i.stderr).not.toContain("root:");
  });

  test("xz and bzip2 archives load, and an xz rootfs imports, as docker takes them", () => {
    ok(d.skiff(["import", rootfs, "comp/bb:1"]));
    const saved = join(d.dir, "saved.tar");
    ok(d.skiff(["save", "-o", saved, "comp/bb:1"]));
    ok(d.skiff(["rmi", "comp/bb:1"]));
    execFileSync("xz", ["-k", "-T1", saved]);
    expect(ok(d.skiff(["load", "-i", `${saved}.xz`]))).toContain("Loaded image: comp/bb:1");
    ok(d.skiff(["rmi", "comp/bb:1"]));
    execFileSync("bzip2", ["-k", saved]);
    expect(ok(d.skiff(["load", "-i", `${saved}.bz2`]))).toContain("Loaded image: comp/bb:1");
    execFileSync("xz", ["-k", "-T1", rootfs]);
    expect(ok(d.skiff(["import", `${rootfs}.xz`, "comp/imported:xz"]))).toMatch(/^sha256:/);
    expect(existsSync(`${rootfs}.xz`)).toBe(true);
  }, 60_000);

  test("import -c reads Dockerfile instructions as docker does", () => {
    ok(d.skiff(["import", "-c", 'LABEL "a b"=c k=v "k 2"="v 2"', "-c", "EXPOSE 80-82 53/udp", "-c", "WORKDIR rel", "-c", "STOPSIGNAL SIGRTMIN+3", "-c", 'CMD ["x', "-c", "ONBUILD RUN make", "-c", "HEALTHCHECK --interval=5s CMD true", rootfs, "changes/bb:1"]));
    const config = JSON.parse(ok(d.skiff(["image", "inspect", "--format", "{{json .Config}}", "changes/bb:1"])));
    expect(config.Labels).toEqual({ "a b": "c", k: "v", "k 2": "v 2" });
    expect(Object.keys(config.ExposedPorts)).toEqual(["53/udp", "80/tcp", "81/tcp", "82/tcp"]);
    expect([config.WorkingDir, config.StopSignal, config.Cmd, config.OnBuild]).toEqual(["/rel", "SIGRTMIN+3", ["/bin/sh", "-c", '["x'], ["RUN make"]]);
    expect(config.Healthcheck).toEqual({ Test: ["CMD-SHELL", "true"], Interval: 5e9 });
    for (const [change, why] of [["EXPOSE notaport", 'invalid port "notaport"'], ["EXPOSE 70000", 'invalid port "70000"'], ["STOPSIGNAL NOPE", 'invalid signal "NOPE"'], ["ENV", "ENV requires at least one argument"]]) {
      const r = d.skiff(["import", "-c", change!, rootfs, "changes/bad:1"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`apply change ${JSON.stringify(change)}: ${why}`);
      expect(r.stderr).toContain("(layer: engine, code: ENGINE_IMPORT_CHANGE_INVALID)\nhint: ");
    }
  }, 60_000);
});
