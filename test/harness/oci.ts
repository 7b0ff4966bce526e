// Helpers for black-box tests of OCI runtimes: a busybox rootfs built once, bundles around it,
// and runners for bin/skiff-oci and the peers (runc, crun) with the test state root.
import { afterEach } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultSpec } from "../../src/runtime/spec-default.ts";
import { RUN_TAG, TEST_CGROUP, TEST_STATE_ROOT, TEST_TAG } from "./leaks.ts";

export const REPO = join(import.meta.dir, "../..");
export const SKIFF_OCI = join(REPO, "bin/skiff-oci");
export const RUNTIMES = { skiff: SKIFF_OCI, runc: "runc", crun: "crun" } as const;
export type RuntimeName = keyof typeof RUNTIMES;

let rootfs: string | undefined;
/** A busybox rootfs shared by the tests of this process (read-only for them). */
export function busyboxRootfs(): string {
  if (rootfs) return rootfs;
  const dir = join(REPO, ".cache/test-busybox");
  if (!existsSync(join(dir, "rootfs/bin/sh"))) execFileSync(join(REPO, "scripts/make-busybox-bundle"), [dir], { stdio: "ignore" });
  rootfs = join(dir, "rootfs");
  return rootfs;
}

/** A new directory under /tmp/skiff-test-PID/ (removed when the test process exits). */
export function tempDir(name = "t"): string {
  mkdirSync(`/tmp/${RUN_TAG}`, { recursive: true });
  return mkdtempSync(`/tmp/${RUN_TAG}/${name}-`);
}


let counter = 0;
export const uniqueId = (name = "c") => `${TEST_TAG}-${name}-${process.pid}-${++counter}`;

export type Config = ReturnType<typeof defaultSpec> & Record<string, any>;

export interface Bundle {
  dir: string;
  id: string;
  config: Config;
  remove(): void;
}

/** A bundle running `args` in the shared rootfs (read-only), in its own test cgroup. */
export function makeBundle(args: string[], edit?: (c: Config) => void, id = uniqueId()): Bundle {
  const dir = tempDir("bundle");
  const config = defaultSpec() as Config;
  config.process.terminal = false;
  config.process.args = args;
  config.root = { path: busyboxRootfs(), readonly: true };
  config.linux.cgroupsPath = `${TEST_CGROUP}/${id}`;
  edit?.(config);
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
  return { dir, id, config, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a runtime's command with the test state root; never throws on a non-zero exit. Output
 * goes through files, not pipes: a created container keeps the runtime's stdio open. */
export function oci(runtime: RuntimeName, args: string[], opts: { input?: string; timeout?: number; cwd?: string } = {}): Result {
  const dir = tempDir("out");
  const out = openSync(join(dir, "stdout"), "w+");
  const err = openSync(join(dir, "stderr"), "w+");
  try {
    const r = spawnSync(RUNTIMES[runtime], ["--root", `${TEST_STATE_ROOT}/${runtime}`, ...args], {
      input: opts.input ?? "",
      stdio: ["pipe", out, err],
      timeout: opts.timeout ?? 30000,
      cwd: opts.cwd,
    });
    return { code: r.status ?? -1, stdout: readFileSync(join(dir, "stdout"), "utf8"), stderr: readFileSync(join(dir, "stderr"), "utf8") };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A bundle maker for one test file: after each test, the containers it made are deleted under
 * `runtimes` and their bundle directories removed. */
export function bundleFactory(runtimes: RuntimeName[] = ["skiff"]): (...a: Parameters<typeof makeBundle>) => Bundle {
  const made: Bundle[] = [];
  afterEach(() => {
    for (const b of made.splice(0)) {
      for (const runtime of runtimes) oci(runtime, ["delete", "--force", b.id]);
      b.remove();
    }
  });
  return (...a) => {
    const b = makeBundle(...a);
    made.push(b);
    return b;
  };
}

/** `run` a bundle to completion and remove it. */
export function runBundle(runtime: RuntimeName, bundle: Bundle, extra: string[] = []): Result {
  return oci(runtime, ["run", "--bundle", bundle.dir, ...extra, bundle.id]);
}
