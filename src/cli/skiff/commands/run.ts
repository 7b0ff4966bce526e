// skiff create and skiff run, as docker 28's: the create body from the flags (create-body.ts), the
// image pulled when it is missing (--pull missing) or always, then for run: attach (before the
// start, so no output is lost), a wait registered before the start (next-exit, or removed with
// --rm), the start, the tty's size kept, signals forwarded (--sig-proxy), and the container's exit
// status returned. docker's exit statuses: 125 when the daemon or the command line fails, 126 when
// the command cannot be invoked, 127 when it is not found, else the container's own.
//
// Requests, in order — create: POST /containers/create?name=&platform= (on 404 "No such image":
// POST /images/create?fromImage=&tag=, then the create again). run adds: [POST /containers/{id}/attach
// ?stream=1&stdin=1&stdout=1&stderr=1&detachKeys= (hijacked)], POST /containers/{id}/wait?condition=
// next-exit|removed, POST /containers/{id}/start, [POST /containers/{id}/resize?h=&w= with a tty],
// [POST /containers/{id}/kill?signal=NAME for each forwarded signal]. run -d: create, start.
import { isatty } from "../termios.ts";
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { isSkiffError, precondition, SkiffError } from "../../../common/errors.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { str, type CommandContext } from "../command.ts";
import { createRequest, type CreateRequest } from "../create-body.ts";
import { reportError } from "../report-error.ts";
import type * as AttachSession from "../attach-session.ts";
import { forwardSignals, monitorTtySize, restoreTerminal, ttySize } from "../terminal.ts";
import { cliSettings } from "../cli-settings.ts";

/** docker's 125: the daemon (or skiff) failed before the container ran. */
export const EXIT_DAEMON = 125;

/** docker's runStartContainerErr: 127 for a command not found, 126 for one that cannot be invoked, else 125. */
export function startFailureStatus(e: unknown): number {
  const message = e instanceof Error ? e.message : String(e);
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return EXIT_DAEMON;
}

/** Reports `e` as reportError does, and answers `status` (run's and create's 125/126/127) instead of its 1. */
function fail(e: unknown, status: number): number {
  restoreTerminal();
  reportError(e);
  return status;
}

/** The image reference as docker names it in "Unable to find image 'busybox:latest' locally". */
const familiar = async (image: string) => {
  const { familiarReference, parseReference } = await import("../../../oci/image/reference.ts");
  try {
    return familiarReference(parseReference(image));
  } catch {
    return image;
  }
};

async function pullImage(ctx: CommandContext, image: string, req: CreateRequest): Promise<void> {
  // loaded here: docker's config and its credential helpers are for pulls only
  const { credentialsFor, fullName, splitPullReference } = await import("./transfer.ts");
  const [name, tag] = splitPullReference(image);
  const stream = await ctx.client.pull(fullName(name), tag, { platform: req.platform, auth: credentialsFor(name) });
  // the progress goes to stderr: stdout is for the container's ID (create, run -d) or output
  const { displayJsonMessages } = await import("../progress-display.ts");
  await displayJsonMessages(stream, req.quiet ? { isTerminal: false, write: () => {} } : { isTerminal: isatty(2), width: Number(process.env.COLUMNS) || 200, write: writeErr });
}

/** POST /containers/create, with the image pulled first (--pull always) or when the daemon has none (missing). */
async function createContainer(ctx: CommandContext, containers: ContainerClient, req: CreateRequest): Promise<string> {
  if (req.pull === "always") await pullImage(ctx, req.body.Image, req);
  const create = () => containers.create(req.body, { name: req.name, platform: req.platform });
  let res: Awaited<ReturnType<typeof create>>;
  try {
    res = await create();
  } catch (e) {
    // (an image of another platform than --platform's is not there either: docker pulls it)
    if (!(isSkiffError(e) && e.kind === "not_found" && (/no such image/i.test(e.message) || e.code === "ENGINE_IMAGE_PLATFORM_MISMATCH") && req.pull === "missing")) throw e;
    if (!req.quiet) writeErr(`Unable to find image '${await familiar(req.body.Image)}' locally\n`);
    await pullImage(ctx, req.body.Image, req);
    res = await create();
  }
  for (const w of res.Warnings ?? []) writeErr(`WARNING: ${w}\n`);
  return res.Id;
}

export async function create(ctx: CommandContext): Promise<number> {
  const tty = !!ctx.flags.tty;
  let req: CreateRequest;
  try {
    req = createRequest(ctx.flags, ctx.args, { consoleSize: tty ? ttySize() : undefined });
  } catch (e) {
    return fail(e, EXIT_DAEMON);
  }
  try {
    writeOut(`${await createContainer(ctx, new ContainerClient(ctx.client.alone()), req)}\n`);
    return 0;
  } catch (e) {
    // as docker's create: what the daemon (or a pull) refuses is a plain error, status 1; only
    // the command line's own values are 125
    return fail(e, 1);
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const { flags } = ctx;
  const detach = !!flags.detach;
  const tty = !!flags.tty;
  let req: CreateRequest;
  let detachKeys: string | undefined;
  // (loaded for an attached run only: run -d takes no connection over)
  let attaching: typeof AttachSession | undefined;
  try {
    req = createRequest(flags, ctx.args, { detach, consoleSize: tty ? ttySize() : undefined });
    // as docker 28's: run -d attaches nothing, so its detach keys (the flag's, config.json's) are
    // neither read nor checked
    if (!detach) {
      attaching = await import("../attach-session.ts");
      detachKeys = str(flags["detach-keys"]) || cliSettings().detachKeys;
      if (detachKeys) attaching.detachKeyBytes(detachKeys);
    }
  } catch (e) {
    return fail(e, EXIT_DAEMON);
  }
  const cfg = req.body;
  if (!detach && cfg.AttachStdin && cfg.Tty && !isatty(0))
    return fail(precondition("cli", "CLI_NOT_A_TTY", "the input device is not a TTY", "leave -t out when stdin is a file or a pipe (-i alone streams it), or run skiff on a terminal"), 1);

  // run -d makes its requests one at a time and streams nothing (a pull's progress goes through
  // ctx.client): without fetch, as ApiClientOptions.alone says
  const containers = new ContainerClient(detach ? ctx.client.alone() : ctx.client);
  let id: string;
  try {
    id = await createContainer(ctx, containers, req);
  } catch (e) {
    return fail(e, startFailureStatus(e));
  }
  if (detach) {
    try {
      await containers.start(id);
    } catch (e) {
      // as docker 28's CLI: the container was made, so its id is said before the start's error
      writeOut(`${id}\n`);
      return fail(e, startFailureStatus(e));
    }
    writeOut(`${id}\n`);
    return 0;
  }

  const stopForwarding = flags["sig-proxy"] === false ? () => {} : forwardSignals((signal) => containers.kill(id, signal));
  let stopResize = () => {};
  try {
    const attached = cfg.AttachStdin || cfg.AttachStdout || cfg.AttachStderr;
    if (!cfg.AttachStdout && !cfg.AttachStderr) writeOut(`${id}\n`);
    const stream = attached ? await containers.attach(id, { stdin: cfg.AttachStdin, stdout: cfg.AttachStdout, stderr: cfg.AttachStderr, detachKeys }) : undefined;
    const wait = await containers.wait(id, cfg.HostConfig.AutoRemove ? "removed" : "next-exit");
    const session = stream ? attaching!.runSession({ stream, tty: cfg.Tty, stdin: cfg.AttachStdin, stdout: cfg.AttachStdout, stderr: cfg.AttachStderr, detachKeys }) : undefined;
    try {
      await containers.start(id);
    } catch (e) {
      stream?.close();
      await session?.catch(() => {});
      // with --rm the daemon removes it: wait for that before going
      if (cfg.HostConfig.AutoRemove) await wait.result.catch(() => {});
      return fail(e, startFailureStatus(e));
    }
    if (cfg.Tty && attached && isatty(1)) stopResize = monitorTtySize((h, w) => containers.resize(id, h, w));
    if (session && (await session) === "detached") return 0;
    if (!cfg.AttachStdout && !cfg.AttachStderr) return 0;
    const status = await wait.result;
    if (status.Error?.Message) {
      writeErr(`Error waiting for container: ${status.Error.Message}\n`);
      return EXIT_DAEMON;
    }
    return status.StatusCode;
  } catch (e) {
    return fail(e, e instanceof SkiffError && e.layer === "cli" && e.kind === "invalid_argument" ? EXIT_DAEMON : 1);
  } finally {
    stopResize();
    stopForwarding();
  }
}
