// The bytes of a `docker load` archive or `docker import` tarball, decompressed as docker does it
// (pkg/archive DecompressStream): the first bytes say gzip, zstd, bzip2, xz or none. gzip and zstd
// go through node:zlib; bzip2 and xz through the `bzip2` and `xz` programs (docker runs `xz` too),
// as child processes fed from the input and read as they go.
//
// Contracts:
// - A corrupt or truncated compressed stream is `what.code` (invalid input) with the tool's reason;
//   a missing bzip2 or xz program is ENGINE_DECOMPRESSOR_MISSING, naming it and its package.
// - The input's own failure (a client that went away) is rethrown as it is, not as a compression
//   error.
// - A reader that stops early (a tar's end marker) stops the decompressor: a child is killed.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { pipeline, Readable, type Duplex } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { drained } from "../../common/drained.ts";
import { invalid, precondition } from "../../common/errors.ts";

export type InputCompression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

/** Names the operation in errors: "load images: decompress the input (xz): …" with its code and hint. */
export interface DecompressFor {
  action: string;
  code: string;
  hint: string;
}

const MAGIC: [InputCompression, number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["bzip2", [0x42, 0x5a, 0x68]], // "BZh"
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];
/** The longest magic: this many first bytes decide. */
const SNIFF = 6;

/** The compression the first bytes say. */
export function sniffCompression(head: Uint8Array): InputCompression {
  return MAGIC.find(([, m]) => m.every((b, i) => head[i] === b))?.[0] ?? "none";
}

/** The programs bzip2 and xz input goes through, and the Debian package of each. */
const TOOLS = { bzip2: { program: "bzip2", pkg: "bzip2" }, xz: { program: "xz", pkg: "xz-utils" } } as const;

/** `program`'s path on `path` ($PATH, else the usual directories), else undefined. */
export function findProgram(program: string, path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"): string | undefined {
  for (const dir of path.split(":").filter(Boolean)) {
    const p = join(dir, program);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The input's bytes, decompressed when its first bytes say gzip, zstd, bzip2 or xz. */
export async function* decompressed(input: AsyncIterable<Uint8Array>, what: DecompressFor, o: { path?: string } = {}): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  // enough bytes to tell (a first chunk may be shorter than a magic number)
  const firsts: Uint8Array[] = [];
  let size = 0;
  while (size < SNIFF) {
    const r = await it.next();
    if (r.done) break;
    firsts.push(r.value);
    size += r.value.byteLength;
  }
  if (size === 0) return;
  const head = firsts.length === 1 ? firsts[0]! : Buffer.concat(firsts);
  const compression = sniffCompression(head);
  let inputError: unknown;
  const rest = (async function* () {
    yield head;
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (e) {
        inputError = e; // the input's own failure (not one thrown in at the yield by a failing consumer)
        throw e;
      }
      if (r.done) return;
      yield r.value;
    }
  })();
  if (compression === "none") return yield* rest;
  const failed = (why: string) => invalid("engine", what.code, `${what.action}: decompress the input (${compression}): ${why}`, what.hint);
  if (compression === "bzip2" || compression === "xz") return yield* throughProgram(compression, rest, what, failed, o.path, () => inputError);
  const z = compression === "gzip" ? createGunzip() : createZstdDecompress();
  try {
    // pipeline, not pipe(): an error on either side reaches this loop (pipe() leaves it unhandled)
    for await (const c of chain(Readable.from(rest), z)) yield c as Uint8Array;
  } catch (e) {
    if (inputError !== undefined) throw inputError; // the input's own failure, not a compression error
    throw failed((e as Error).message);
  }
}

/** `from` piped into `to`, an error of either destroying both: iterate `to`, it throws. */
export function chain<T extends Duplex>(from: Readable, to: T): T {
  pipeline(from, to, () => {}); // the error reaches whoever reads `to`
  return to;
}

/** The first line of a tool's complaint, without its "xz: (stdin): " prefix, as printable text. */
function complaint(stderr: string, program: string): string {
  const line = stderr.split("\n").find((l) => l.trim() !== "") ?? "";
  return line
    .replace(new RegExp(`^(\\S*/)?${program}: (\\(stdin\\): )?`), "")
    .replace(/[^\x20-\x7e]/g, "?")
    .trim()
    .slice(0, 200);
}

async function* throughProgram(
  compression: "bzip2" | "xz",
  source: AsyncIterable<Uint8Array>,
  what: DecompressFor,
  failed: (why: string) => Error,
  path: string | undefined,
  inputError: () => unknown,
): AsyncGenerator<Uint8Array> {
  const { program, pkg } = TOOLS[compression];
  const bin = findProgram(program, path);
  if (!bin)
    throw precondition(
      "engine",
      "ENGINE_DECOMPRESSOR_MISSING",
      `${what.action}: the input is ${compression}-compressed, and the ${program} program that decompresses it is not installed`,
      `install it where skiffd runs (apt-get install ${pkg}), or decompress the input first: ${program} -dc FILE > FILE.tar`,
      { program },
    );
  // (not -q: bzip2 then says nothing about an input cut short)
  const child = spawn(bin, ["-d", "-c"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  // EPIPE when the program stops reading (corrupt input): its exit status says why
  child.stdin.on("error", () => {});
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
    child.once("error", (e) => {
      spawnError = e;
      resolve({ code: null, signal: null });
    });
  });
  let feedFailed = false;
  const feed = (async () => {
    try {
      for await (const c of source) {
        if (child.stdin.destroyed) return;
        if (!child.stdin.write(c)) await drained(child.stdin);
      }
      child.stdin.end();
    } catch {
      feedFailed = true;
      child.kill("SIGKILL");
    }
  })();
  let done = false;
  try {
    for await (const c of child.stdout) yield c as Uint8Array;
    const { code, signal } = await exited;
    await feed;
    if (feedFailed && inputError() !== undefined) throw inputError();
    if (spawnError) throw failed(`run ${program}: ${spawnError.message}`);
    if (code !== 0) throw failed(complaint(stderr, program) || (signal ? `${program} was killed by ${signal}` : `${program} exited with status ${code}`));
    done = true;
  } finally {
    // the reader stopped early, or the stream failed: the program's output is no longer wanted
    if (!done && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
