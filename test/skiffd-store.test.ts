// skiffd's image store through bin/skiff, for what a new user meets when things go wrong: inputs
// of every file type (pipes, FIFOs, process substitutions, /dev/null), saves that fail or whose
// reader goes away, a bad --change, a tampered archive, and the store's clean-up (scratch
// directories and partial blobs: at daemon start, by image prune, after a pull that filled the disk).
// The full disks are small tmpfs mounts, made and unmounted inside the test that uses them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pushBusybox } from "../src/engine/images/testing/busybox.ts";
import { buildTar } from "../src/engine/archive/index.ts";
import { RegistryClient } from "../src/engine/registry/index.ts";
import { startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { removeDir, SKIFF, startSkiffd, tempDir, type RunResult, type Skiffd, busyboxRootfsTar } from "./harness/skiffd.ts";

let d: Skiffd;
let registry: RegistryServer;
let rootfsTar: string;
/** A rootfs of its own (a random marker file), so that its blobs are new to the store. */
let otherTar: string;
/** 12 MB that do not compress: a save of it outlasts any socket buffer. */
let bigTar: string;

beforeAll(async () => {
  d = await startSkiffd();
  registry = await startRegistry({ dir: join(d.dir, "registry") });
  rootfsTar = busyboxRootfsTar(d.dir);
  otherTar = join(d.dir, "other.tar");
  writeFileSync(otherTar, buildTar([{ name: "marker", type: "file", data: `tamper-me ${randomBytes(4000).toString("hex")}` }]));
  bigTar = join(d.dir, "big.tar");
  writeFileSync(bigTar, buildTar([{ name: "big", type: "file", data: randomBytes(12 << 20) }]));
  ok(d.skiff(["import", rootfsTar, "store/bb:1"]));
  ok(d.skiff(["import", bigTar, "store/big:1"]));
}, 60_000);

afterAll(async () => {
  await d?.stop();
  await registry?.stop();
  if (d) removeDir(d.dir);
});

const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

/** A bash script with $SKIFF pointing at the daemon `on`. */
function sh(script: string, on: Skiffd = d): RunResult {
  const r = spawnSync("bash", ["-c", script], { cwd: on.dir, timeout: 60_000, env: { PATH: process.env.PATH, HOME: on.dir, DOCKER_CONFIG: join(on.dir, "docker-config"), SKIFF: `${SKIFF} -H unix://${on.sock}` } });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
}

const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const data = (on: Skiffd = d) => join(on.dir, "data");
/** What the store holds on disk. */
const store = (on: Skiffd = d) => ({
  blobs: ls(join(data(on), "content/blobs/sha256")),
  ingest: ls(join(data(on), "content/ingest")),
  snapshots: ls(join(data(on), "snapshots")),
});
const scratch = (on: Skiffd = d) => ls(join(data(on), "snapshots")).filter((n) => /^(save|tmp)-/.test(n));

/** Waits (up to `ms`) for `f` to hold; returns whether it did. */
async function eventually(f: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(50)) if (f()) return true;
  return f();
}

/** A tmpfs of `size` at `dir` for the length of `fn` (unmounted whatever happens). */
async function onTmpfs<T>(dir: string, size: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  try {
    return await fn();
  } finally {
    execFileSync("umount", [dir]);
  }
}

describe("inputs", () => {
  test("load -i and import read pipes, /dev/stdin, FIFOs and process substitutions", () => {
    ok(d.skiff(["save", "-o", join(d.dir, "bb.tar"), "store/bb:1"]));
    const loaded = "Loaded image: store/bb:1\n";
    expect(ok(sh("cat bb.tar | $SKIFF load -i /dev/stdin"))).toBe(loaded);
    expect(ok(sh("$SKIFF load -i <(cat bb.tar)"))).toBe(loaded);
    expect(ok(sh("rm -f fifo && mkfifo fifo && { cat bb.tar > fifo & } && $SKIFF load -i fifo"))).toBe(loaded);
    expect(ok(sh("cat bb.tar | $SKIFF load"))).toBe(loaded);
    const id = ok(d.skiff(["inspect", "--format", "{{.Id}}", "store/bb:1"])).trim();
    expect(ok(sh(`rm -f fifo && mkfifo fifo && { cat ${rootfsTar} > fifo & } && $SKIFF import fifo store/fifo:1`)).trim()).toMatch(/^sha256:/);
    expect(ok(sh(`$SKIFF import <(cat ${rootfsTar}) store/procsub:1`)).trim()).toMatch(/^sha256:/);
    expect(ok(sh(`cat ${rootfsTar} | $SKIFF import - store/stdin:1`)).trim()).toMatch(/^sha256:/);
    expect(ok(d.skiff(["inspect", "--format", "{{.Id}}", "store/bb:1"])).trim()).toBe(id);
    for (const t of ["fifo", "procsub", "stdin"]) ok(d.skiff(["rmi", `store/${t}:1`]));
  }, 30_000);

  test("an empty or missing input is refused with docker's words, before the daemon is asked", () => {
    const before = store();
    const devNull = d.skiff(["load", "-i", "/dev/null"]);
    expect(devNull.status).toBe(1);
    expect(devNull.stderr).toContain('load from "/dev/null": unexpected EOF');
    expect(devNull.stderr).not.toContain("no such file");
    const stdin = d.skiff(["load"], { input: "" });
    expect(stdin.status).toBe(1);
    expect(stdin.stderr).toContain("requested load from stdin, but stdin is empty");
    const imp = sh("$SKIFF import /dev/null store/empty:1");
    expect(imp.status).toBe(1);
    expect(imp.stderr).toContain('import from "/dev/null": unexpected EOF');
    const missing = d.skiff(["load", "-i", join(d.dir, "nope.tar")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`open "${join(d.dir, "nope.tar")}": no such file or directory`);
    const dir = d.skiff(["load", "-i", d.dir]);
    expect(dir.status).toBe(1);
    expect(dir.stderr).toContain("is a directory");
    expect(store()).toEqual(before);
  });
});

describe("save", () => {
  test("-o into a missing directory: a clear error before the daemon is asked, nothing left anywhere", async () => {
    const out = join(d.dir, "missing/dir/x.tar");
    const r = d.skiff(["save", "-o", out, "store/big:1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`Error: save to "${out}": directory "${join(d.dir, "missing/dir")}" does not exist (layer: cli, code: CLI_SAVE_OUTPUT_FAILED, errno: ENOENT)\nhint: create it first, or give another path with -o\n`);
    expect(existsSync(join(d.dir, "missing"))).toBe(false);
    const unknown = d.skiff(["save", "-o", join(d.dir, "nope.tar"), "store/nope:404"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.toLowerCase()).toContain("no such image");
    expect(ls(d.dir).filter((n) => n.startsWith("nope.tar"))).toEqual([]);
    expect(await eventually(() => scratch().length === 0)).toBe(true);
  });

  test("-o onto a full disk: ENOSPC said plainly, the temporary file removed, the daemon's scratch dir too", async () => {
    const full = join(d.dir, "full");
    await onTmpfs(full, "1m", async () => {
      const r = d.skiff(["save", "-o", join(full, "out.tar"), "store/big:1"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`save to "${join(full, "out.tar")}": write "${join(full, "out.tar")}.tmp-`);
      expect(r.stderr).toContain("no space left on device");
      expect(readdirSync(full)).toEqual([]);
    });
    expect(await eventually(() => scratch().length === 0)).toBe(true);
  }, 30_000);

  test("a reader that goes away (| head -c 100) ends skiff quietly and the daemon's save with its scratch dir", async () => {
    const r = sh('$SKIFF save store/big:1 | head -c 100 > /dev/null; echo "${PIPESTATUS[0]}"');
    expect(r.stdout.trim()).toBe("141"); // as a Go docker killed by SIGPIPE
    expect(r.stderr).toBe("");
    expect(await eventually(() => scratch().length === 0)).toBe(true);
  }, 30_000);

  test("a client that drops the request mid-archive ends the daemon's save and its scratch dir", async () => {
    const abort = new AbortController();
    const res = await fetch("http://skiffd/v1.41/images/get?names=store/big:1", { unix: d.sock, signal: abort.signal } as RequestInit);
    const reader = res.body!.getReader();
    await reader.read();
    expect(scratch()).toHaveLength(1); // the decompressed layer, while the save runs
    abort.abort();
    await reader.cancel().catch(() => undefined);
    expect(await eventually(() => scratch().length === 0)).toBe(true);
    expect(ok(d.skiff(["version", "--format", "{{.Server.ApiVersion}}"])).trim()).toBe("1.41");
  }, 30_000);
});

describe("nothing stored by a failed import or load", () => {
  test("import -c 'BOGUS x' is refused before the layer is stored", () => {
    const before = store();
    const r = d.skiff(["import", "-c", "BOGUS x", otherTar, "x:2"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apply change "BOGUS x": "BOGUS" is not allowed in a change');
    expect(store()).toEqual(before);
  });

  test("a tampered archive (a layer that does not match its digest) stores nothing", () => {
    ok(d.skiff(["import", otherTar, "store/tamper:1"]));
    const archive = join(d.dir, "tamper.tar");
    ok(d.skiff(["save", "-o", archive, "store/tamper:1"]));
    ok(d.skiff(["rmi", "store/tamper:1"]));
    const bytes = readFileSync(archive);
    const at = bytes.indexOf("tamper-me");
    expect(at).toBeGreaterThan(0);
    bytes[at] = "T".charCodeAt(0);
    writeFileSync(archive, bytes);
    const before = store();
    const r = d.skiff(["load", "-i", archive]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/its content has digest sha256:/);
    expect(store()).toEqual(before);
    expect(ok(d.skiff(["images", "--format", "{{.Repository}}"]))).not.toContain("store/tamper");
  });
});

describe("clean-up of the store", () => {
  const DEAD = 99999999; // above any pid_max
  const hex = (c: string) => c.repeat(64);

  test("skiffd's start removes scratch dirs of dead processes and partial blobs untouched for 24 h", async () => {
    const dir = tempDir("skiffd-stale");
    try {
      const first = await startSkiffd([], dir);
      // serving means its SIGTERM handler is in place (the pid file comes before it): stopped, it
      // removes the pid file that the next startSkiffd waits for
      ok(first.skiff(["version"]));
      await first.stop();
      expect(existsSync(first.pidFile)).toBe(false);
      const root = join(dir, "data");
      mkdirSync(join(root, `snapshots/save-${DEAD}-x`), { recursive: true });
      writeFileSync(join(root, `snapshots/save-${DEAD}-x/layer`), Buffer.alloc(1 << 20));
      mkdirSync(join(root, `snapshots/tmp-${DEAD}-y/fs`), { recursive: true });
      mkdirSync(join(root, "content/ingest"), { recursive: true });
      writeFileSync(join(root, `content/ingest/add-${DEAD}-z`), "staged by a load that was killed");
      const old = join(root, `content/ingest/sha256-${hex("a")}`);
      writeFileSync(old, Buffer.alloc(1000));
      const day = new Date(Date.now() - 25 * 3600_000);
      utimesSync(old, day, day);
      writeFileSync(join(root, `content/ingest/sha256-${hex("b")}`), Buffer.alloc(1000)); // a pull may resume it
      const again = await startSkiffd([], dir);
      try {
        expect(scratch(again)).toEqual([]);
        expect(store(again).ingest).toEqual([`sha256-${hex("b")}`]);
      } finally {
        await again.stop();
      }
    } finally {
      removeDir(dir);
    }
  }, 30_000);

  // Needs ImageStore.prune (image-service.ts) to call this.content.pruneIngests(): see the report.
  test("image prune removes partial blobs no pull is writing", () => {
    mkdirSync(join(data(), "content/ingest"), { recursive: true });
    writeFileSync(join(data(), `content/ingest/sha256-${hex("c")}`), Buffer.alloc(1000));
    ok(d.skiff(["image", "prune", "-f"]));
    expect(store().ingest).toEqual([]);
  });

  // Needs the image-pull.ts fixes (unhandled rejections of commits[i]; ENOSPC of the blob write
  // reported as such) and the prune change above: see the report.
  test("a pull that fills the disk fails with ENOSPC, the daemon lives on, and prune -a leaves the disk empty", async () => {
    const big = (n: number) => buildTar([{ name: `f${n}`, type: "file", data: randomBytes(1_000_000) }]);
    await pushBusybox(new RegistryClient({ domain: registry.domain }), join(d.dir, "push-src"), "t/big", "1", Array.from({ length: 10 }, (_, i) => big(i)));
    const dir = tempDir("skiffd-full");
    try {
      await onTmpfs(join(dir, "data"), "5m", async () => {
        const small = await startSkiffd([], dir);
        try {
          const r = small.skiff(["pull", `${registry.domain}/t/big:1`]);
          expect(r.status).toBe(1);
          expect(r.stderr).toContain("no space left on device");
          expect(ok(small.skiff(["version", "--format", "{{.Server.ApiVersion}}"])).trim()).toBe("1.41");
          ok(small.skiff(["image", "prune", "-a", "-f"]));
          expect(store(small)).toEqual({ blobs: [], ingest: [], snapshots: [] });
        } finally {
          await small.stop();
        }
      });
    } finally {
      removeDir(dir);
    }
  }, 60_000);
});
