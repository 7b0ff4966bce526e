// skiff save, load and import: tar archives streamed to and from the daemon.
import { closeSync, openSync } from "node:fs";
import { isatty } from "node:tty";
import { writeAll, writeOut } from "../../../common/stdio.ts";
import { invalid } from "../../../common/errors.ts";
import { displayJsonMessages } from "../progress-display.ts";
import { splitReference } from "./image-ops.ts";
import { str, strs, type CommandContext } from "../command.ts";

export async function save({ client, flags, args }: CommandContext): Promise<number> {
  const output = str(flags.output);
  if (!output && isatty(1)) throw invalid("cli", "CLI_SAVE_TO_TERMINAL", "cowardly refusing to save to a terminal. Use the -o flag or redirect", "skiff save -o FILE IMAGE");
  const body = await client.save(args);
  const tmp = output ? `${output}.tmp-${process.pid}` : undefined;
  const fd = tmp ? openSync(tmp, "w", 0o644) : 1;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) writeAll(fd, chunk);
  } finally {
    if (tmp) closeSync(fd);
  }
  if (tmp) (await import("node:fs")).renameSync(tmp, output!);
  return 0;
}

/** A file's bytes (or stdin's for "-" or no file) as a request body. */
function inputBody(path: string | undefined) {
  return !path || path === "-" ? Bun.stdin.stream() : Bun.file(path);
}

async function ensureReadable(path: string | undefined): Promise<void> {
  if (path && path !== "-" && !(await Bun.file(path).exists()))
    throw invalid("cli", "CLI_INPUT_NOT_FOUND", `open "${path}": no such file or directory`, "pass an existing tar file");
}

export async function load({ client, flags }: CommandContext): Promise<number> {
  const input = str(flags.input);
  if (!input && isatty(0)) throw invalid("cli", "CLI_LOAD_FROM_TERMINAL", "requested load from stdin, but stdin is empty", "skiff load -i FILE, or redirect a file to stdin");
  await ensureReadable(input);
  const stream = await client.load(inputBody(input), !!flags.quiet);
  await displayJsonMessages(stream, { isTerminal: false, write: writeOut });
  return 0;
}

export async function importImage({ client, flags, args }: CommandContext): Promise<number> {
  const source = args[0]!;
  if (/^https?:\/\//.test(source)) throw invalid("cli", "CLI_IMPORT_URL_UNSUPPORTED", `import "${source}": URLs are not supported yet`, "download it, then: skiff import FILE");
  await ensureReadable(source);
  const [repo, tag] = args[1] ? splitReference(args[1]) : [undefined, undefined];
  const stream = await client.importImage(inputBody(source), { repo, tag, message: str(flags.message), changes: strs(flags.change) });
  await displayJsonMessages(stream, { isTerminal: false, write: writeOut });
  return 0;
}
