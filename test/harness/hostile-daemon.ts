// The checks every case of the hostile corpus makes against a skiffd (test/hostile-*.test.ts):
// a canary directory outside the store, /etc/passwd and the daemon's own directory unchanged; one
// clean error; the daemon still answering; the store as it was (no image, blob, ingest file or
// snapshot directory more) once a refusal's clean-up has run.
import { expect } from "bun:test";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanError, fingerprint, hostFiles, storeState } from "./hostile-corpus.ts";
import { removeDir, startSkiffd, tempDir, type RunResult, type Skiffd } from "./skiffd.ts";

export interface Sandbox {
  d: Skiffd;
  /** Where inputs are written (inside the daemon's dir, skipped by the checks). */
  inputs: string;
  /** Files no case may touch. */
  canary: string;
}

/** A canary directory: two files, a directory and a symlink to /etc. Made at once (cases name it). */
export function makeCanary(): string {
  const canary = tempDir("canary");
  writeFileSync(join(canary, "canary"), "canary\n");
  mkdirSync(join(canary, "dir"));
  writeFileSync(join(canary, "dir", "canary"), "canary\n");
  symlinkSync("/etc", join(canary, "etc-link"));
  return canary;
}

export async function startSandbox(canary: string): Promise<Sandbox> {
  const d = await startSkiffd();
  const inputs = join(d.dir, "inputs");
  mkdirSync(inputs);
  return { d, inputs, canary };
}

export async function stopSandbox(s: Sandbox | undefined): Promise<void> {
  if (!s) return;
  await s.d.stop();
  removeDir(s.d.dir);
  removeDir(s.canary);
}

/** Everything a case must leave as it was, outside the store. */
function outside(s: Sandbox) {
  return { canary: fingerprint(s.canary), host: hostFiles(), daemonDir: readdirSync(s.d.dir).filter((n) => !["data", "exec", "inputs"].includes(n)).sort() };
}

export const images = (s: Sandbox) => s.d.skiff(["images", "-a", "-q", "--no-trunc"]).stdout;
const store = (s: Sandbox) => storeState(join(s.d.dir, "data"));

async function eventually(f: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(50)) if (f()) return true;
  return f();
}

let n = 0;
/** Writes `input` for a command; the file's path. */
export function inputFile(s: Sandbox, input: Uint8Array, ext = "tar"): string {
  const file = join(s.inputs, `case-${n++}.${ext}`);
  writeFileSync(file, input);
  return file;
}

/** Runs `skiff ARGS` (with the input file's path for "@"); checks it is refused with `want` and leaves nothing, outside or in the store. */
export async function expectRefused(s: Sandbox, args: string[], input: Uint8Array, want: { layer: string; code: string; message?: RegExp }): Promise<RunResult> {
  const file = inputFile(s, input);
  const before = { outside: outside(s), store: store(s), images: images(s) };
  const r = s.d.skiff(args.map((a) => (a === "@" ? file : a)));
  expect(r.status).toBe(1);
  const e = cleanError(r.stderr);
  expect({ stderr: r.stderr, clean: !!e }).toEqual({ stderr: r.stderr, clean: true });
  expect([e!.layer, e!.code]).toEqual([want.layer, want.code]);
  if (want.message) expect(e!.message).toMatch(want.message);
  expect(outside(s)).toEqual(before.outside);
  expect(s.d.skiff(["version", "--format", "{{.Server.ApiVersion}}"]).stdout.trim()).toBe("1.41");
  expect(images(s)).toBe(before.images);
  await eventually(() => JSON.stringify(store(s)) === JSON.stringify(before.store));
  expect(store(s)).toEqual(before.store);
  return r;
}

/** Runs `skiff ARGS` and checks it succeeds and changes nothing outside the store; its output. */
export function expectAccepted(s: Sandbox, args: string[], input: Uint8Array): RunResult {
  const file = inputFile(s, input);
  const before = outside(s);
  const r = s.d.skiff(args.map((a) => (a === "@" ? file : a)));
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  expect(outside(s)).toEqual(before);
  return r;
}
