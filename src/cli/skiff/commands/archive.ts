// skiff save, load and import: tar archives streamed to and from the daemon.
//
// Inputs are read as streams, whatever the file is (regular file, pipe, FIFO, /dev/stdin, a
// process substitution, a character device): nothing relies on a size known in advance. An empty
// input is refused before the daemon is asked anything. `save -o FILE` writes FILE.tmp-<pid> and
// renames it into place once complete: on any failure (or SIGINT, SIGTERM, SIGHUP) the temporary
// file is removed, and the error says what failed, on which path, and why. A FILE that is a device
// or a FIFO is written in place (see output-file.ts).
import { closeSync, createReadStream, fstatSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { isatty } from "../termios.ts";
import { writeAll, writeOut } from "../../../common/stdio.ts";
import { errnoOf, errnoText } from "../../../common/errno.ts";
import { invalid, isSkiffError, SkiffError, type ErrorKind } from "../../../common/errors.ts";
import { refused } from "../report-error.ts";
import type { JsonMessage } from "../../../api/client.ts";
import { displayJsonMessages } from "../progress-display.ts";
import { splitReference } from "./image-ops.ts";
import { outputPlan } from "../output-file.ts";
import { str, strs, type CommandContext } from "../command.ts";

const KIND: Record<string, ErrorKind> = { ENOENT: "not_found", ENOTDIR: "not_found", EACCES: "failed_precondition", EPERM: "failed_precondition", EROFS: "failed_precondition", EISDIR: "failed_precondition", ENOSPC: "unavailable", EDQUOT: "unavailable" };

/** A file system failure of the CLI: what it was doing, on which path, the errno, a hint. */
function fileError(code: string, message: string, path: string, e: unknown, hint?: string): unknown {
  if (isSkiffError(e)) return e;
  const errno = errnoOf(e);
  if (!errno || !/^E[A-Z0-9]+$/.test(errno)) return e;
  return new SkiffError({ layer: "cli", code, kind: KIND[errno] ?? "internal", message: `${message}: ${errnoText(errno)}`, hint, cause: e, details: { path, errno } });
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

export async function save({ client, flags, args }: CommandContext): Promise<number> {
  const output = str(flags.output);
  if (!output && isatty(1)) throw refused("CLI_SAVE_TO_TERMINAL", "cowardly refusing to save to a terminal. Use the -o flag or redirect", "skiff save -o FILE IMAGE");
  if (!output) return saveToStdout(await client.save(args));
  const out = openOutput(output);
  const drop = () => {
    try {
      closeSync(out.fd);
    } catch {
      // closed already
    }
    if (!out.inPlace) rmSync(out.tmp, { force: true });
  };
  const onSignal = (signal: keyof typeof SIGNALS) => {
    drop();
    process.exit(128 + SIGNALS[signal]);
  };
  for (const s of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.on(s, onSignal);
  let body: ReadableStream<Uint8Array> | undefined;
  try {
    body = await client.save(args);
    const write = (chunk: Uint8Array) => {
      try {
        writeAll(out.fd, chunk);
      } catch (e) {
        throw outputError(output, out.tmp, "write", e);
      }
    };
    await receive(body, write);
    try {
      if (!out.inPlace) fsyncSync(out.fd);
      closeSync(out.fd);
    } catch (e) {
      throw outputError(output, out.tmp, "write", e);
    }
    if (out.inPlace) return 0;
    try {
      renameSync(out.tmp, output);
    } catch (e) {
      throw outputError(output, output, "rename the finished archive to", e);
    }
    return 0;
  } catch (e) {
    drop();
    await body?.cancel().catch(() => undefined);
    throw e;
  } finally {
    for (const s of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.off(s, onSignal);
  }
}

/** Creates OUTPUT.tmp-<pid> beside the output, before the daemon is asked for anything. */
function openOutput(output: string): { fd: number; tmp: string; inPlace: boolean } {
  const plan = outputPlan(output);
  if (plan.isDir) throw new SkiffError({ layer: "cli", code: "CLI_SAVE_OUTPUT_FAILED", kind: "failed_precondition", message: `save to "${output}": it is a directory`, hint: "give a file name with -o", details: { path: output, errno: "EISDIR" } });
  try {
    return { fd: openSync(plan.path, "w", 0o644), tmp: plan.path, inPlace: plan.inPlace };
  } catch (e) {
    throw outputError(output, plan.path, "create", e);
  }
}

function outputError(output: string, path: string, action: string, e: unknown): unknown {
  const errno = errnoOf(e);
  const dir = dirname(output);
  if (action === "create" && (errno === "ENOENT" || errno === "ENOTDIR"))
    return new SkiffError({ layer: "cli", code: "CLI_SAVE_OUTPUT_FAILED", kind: "not_found", message: `save to "${output}": directory "${dir}" does not exist`, hint: "create it first, or give another path with -o", cause: e, details: { path, errno } });
  const hint =
    errno === "ENOSPC" || errno === "EDQUOT" ? `free space on the file system of "${dir}", or save elsewhere with -o (nothing was left behind)`
    : errno === "EACCES" || errno === "EPERM" || errno === "EROFS" ? `choose a directory you can write to with -o`
    : undefined;
  return fileError("CLI_SAVE_OUTPUT_FAILED", `save to "${output}": ${action} "${path}"`, path, e, hint);
}

/** Passes the archive's chunks to `write`; a stream the daemon broke off is CLI_SAVE_INTERRUPTED. */
async function receive(body: ReadableStream<Uint8Array>, write: (chunk: Uint8Array) => void): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (e) {
        throw new SkiffError({ layer: "cli", code: "CLI_SAVE_INTERRUPTED", kind: "unavailable", message: `save: the daemon ended the archive early (${errnoOf(e) ?? (e as Error).message})`, hint: "its log says why (skiffd --debug)", cause: e });
      }
      if (r.done) return;
      write(r.value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** `skiff save IMAGE > FILE` or `| …`: a reader that goes away (`| head -c 100`) ends skiff quietly, as SIGPIPE ends docker. */
async function saveToStdout(body: ReadableStream<Uint8Array>): Promise<number> {
  try {
    await receive(body, (chunk) => {
      try {
        writeAll(1, chunk);
      } catch (e) {
        if (errnoOf(e) === "EPIPE") throw e;
        throw fileError("CLI_SAVE_OUTPUT_FAILED", "save to standard output: write", "/dev/stdout", e, errnoOf(e) === "ENOSPC" ? "free space on the file system standard output goes to, or save elsewhere with -o" : undefined);
      }
    });
    return 0;
  } catch (e) {
    await body.cancel().catch(() => undefined);
    if (errnoOf(e) === "EPIPE") return 128 + 13;
    throw e;
  }
}

/** An input of load or import: its name for messages, and its bytes. */
interface Input {
  name: string;
  stdin: boolean;
  chunks: AsyncIterator<Uint8Array>;
  close(): void;
}

const isStdin = (path: string | undefined) => !path || path === "-" || path === "/dev/stdin" || path === "/dev/fd/0" || path === "/proc/self/fd/0";

/** Opens the input: standard input for "-", none or /dev/stdin, else the file, whatever its type. */
function openInput(path: string | undefined): Input {
  if (isStdin(path)) {
    const stream = Bun.stdin.stream() as ReadableStream<Uint8Array>;
    const it = stream[Symbol.asyncIterator]();
    return { name: "standard input", stdin: true, chunks: it, close: () => void it.return?.().catch(() => undefined) };
  }
  const file = path!;
  let fd: number;
  try {
    // a FIFO's open waits for its writer, as docker's does
    fd = openSync(file, "r");
  } catch (e) {
    throw fileError("CLI_INPUT_UNREADABLE", `open "${file}"`, file, e, errnoOf(e) === "ENOENT" ? "pass an existing tar file" : undefined);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new SkiffError({ layer: "cli", code: "CLI_INPUT_UNREADABLE", kind: "failed_precondition", message: `read "${file}": is a directory`, hint: "pass a tar file", details: { path: file, errno: "EISDIR" } });
  }
  const stream = createReadStream("", { fd, highWaterMark: 1 << 20 });
  return { name: `"${file}"`, stdin: false, chunks: stream[Symbol.asyncIterator](), close: () => stream.destroy() };
}

/**
 * The input as a request body, once its first bytes are in: an empty input is `empty()`'s error.
 * A read error later fails the request; `failure()` then gives it (the request's own error would
 * blame the daemon).
 */
async function inputBody(input: Input, empty: () => SkiffError): Promise<{ body: ReadableStream<Uint8Array>; failure(): unknown }> {
  let failed: unknown;
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    try {
      return await input.chunks.next();
    } catch (e) {
      failed = fileError("CLI_INPUT_UNREADABLE", `read ${input.name}`, input.stdin ? "/dev/stdin" : input.name.slice(1, -1), e);
      throw failed;
    }
  };
  let first: IteratorResult<Uint8Array>;
  try {
    first = await next();
    while (!first.done && first.value.byteLength === 0) first = await next();
  } catch (e) {
    input.close();
    throw e;
  }
  if (first.done) {
    input.close();
    throw empty();
  }
  let pending: Uint8Array | undefined = first.value;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending) {
        controller.enqueue(pending);
        pending = undefined;
        return;
      }
      const r = await next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel() {
      input.close();
    },
  });
  return { body, failure: () => failed };
}

/** Sends the input as a request's body and shows the daemon's messages; the input's own failure wins over the daemon's. */
async function upload(input: Input, empty: () => SkiffError, send: (body: ReadableStream<Uint8Array>) => Promise<AsyncIterable<JsonMessage>>): Promise<number> {
  const { body, failure } = await inputBody(input, empty);
  try {
    await displayJsonMessages(await send(body), { isTerminal: false, write: writeOut });
  } catch (e) {
    throw failure() ?? e;
  } finally {
    input.close();
  }
  return 0;
}

export async function load({ client, flags }: CommandContext): Promise<number> {
  const path = str(flags.input);
  if (isStdin(path) && isatty(0)) throw invalid("cli", "CLI_LOAD_FROM_TERMINAL", "requested load from stdin, but stdin is empty", "skiff load -i FILE, or redirect a file to stdin");
  const input = openInput(path);
  return upload(
    input,
    () =>
      input.stdin
        ? new SkiffError({ layer: "cli", code: "CLI_INPUT_EMPTY", kind: "failed_precondition", message: "requested load from stdin, but stdin is empty", hint: "skiff load -i FILE, or redirect a docker save archive to stdin" })
        : new SkiffError({ layer: "cli", code: "CLI_INPUT_EMPTY", kind: "failed_precondition", message: `load from ${input.name}: unexpected EOF: the file is empty`, hint: "give a tar written by docker save", details: { path } }),
    (body) => client.load(body, !!flags.quiet),
  );
}

export async function importImage({ client, flags, args }: CommandContext): Promise<number> {
  const source = args[0]!;
  const [repo, tag] = args[1] ? splitReference(args[1]) : [undefined, undefined];
  const query = { repo, tag, message: str(flags.message), changes: strs(flags.change) };
  if (/^https?:\/\//.test(source)) {
    // the daemon downloads it, as dockerd does for docker import URL
    await displayJsonMessages(await client.importImage(undefined, { ...query, fromSrc: source }), { isTerminal: false, write: writeOut });
    return 0;
  }
  const input = openInput(source);
  return upload(
    input,
    () => new SkiffError({ layer: "cli", code: "CLI_INPUT_EMPTY", kind: "failed_precondition", message: `import from ${input.name}: unexpected EOF: ${input.stdin ? "stdin" : "the file"} is empty`, hint: "give a tar archive of the root filesystem" }),
    (body) => client.importImage(body, query),
  );
}
