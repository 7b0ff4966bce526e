// skiff attach and skiff start, as docker 28's.
//
// attach: POST /containers/{id}/wait (registered first: no condition, so not-running), GET
// /containers/{id}/json (it must run, not be paused or restarting), POST /containers/{id}/attach?
// stream=1&stdin=&stdout=1&stderr=1&detachKeys= (hijacked), GET …/json again (it may have stopped
// meanwhile), with a tty POST …/resize?h=&w= (one larger first, then the terminal's size, so that a
// program redraws), signals forwarded without a tty (--sig-proxy); the status is the container's.
// The detach keys end it with "read escape sequence" and status 1, as docker's attach.
//
// start: POST /containers/{id}/start for each; with -a or -i: GET …/json, POST …/attach, POST
// …/wait?condition=next-exit (removed with AutoRemove), POST …/start, [resize], the status the
// container's.
import { isatty } from "../termios.ts";
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { invalid, precondition } from "../../../common/errors.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { str, type CommandContext } from "../command.ts";
import { reportError } from "../report-error.ts";
import { detachKeyBytes, runSession } from "../attach-session.ts";
import { forwardSignals, monitorTtySize } from "../terminal.ts";
import { cliSettings } from "../cli-settings.ts";

const notATty = () => precondition("cli", "CLI_NOT_A_TTY", "the input device is not a TTY", "run skiff on a terminal to attach to a container with a tty, or pass --no-stdin");

function checkState(c: { State: { Running: boolean; Paused: boolean; Restarting: boolean } }): void {
  if (!c.State.Running) throw precondition("cli", "CLI_CONTAINER_NOT_RUNNING", "You cannot attach to a stopped container, start it first", "skiff start -a CONTAINER starts it attached");
  if (c.State.Paused) throw precondition("cli", "CLI_CONTAINER_PAUSED", "You cannot attach to a paused container, unpause it first", "skiff unpause CONTAINER");
  if (c.State.Restarting) throw precondition("cli", "CLI_CONTAINER_RESTARTING", "You cannot attach to a restarting container, wait until it is running", "skiff ps shows when it runs");
}

export async function attach({ client, flags, args }: CommandContext): Promise<number> {
  const detachKeys = str(flags["detach-keys"]) || cliSettings().detachKeys;
  if (detachKeys) detachKeyBytes(detachKeys);
  const containers = new ContainerClient(client);
  const wait = await containers.wait(args[0]!);
  const c = await containers.inspect(args[0]!);
  checkState(c);
  const tty = c.Config.Tty;
  if (!flags["no-stdin"] && tty && !isatty(0)) throw notATty();
  const stdin = !flags["no-stdin"] && c.Config.OpenStdin;
  const stopForwarding = flags["sig-proxy"] !== false && !tty ? forwardSignals((s) => containers.kill(c.Id, s)) : () => {};
  let stopResize = () => {};
  try {
    const stream = await containers.attach(args[0]!, { stdin, stdout: true, stderr: true, detachKeys });
    checkState(await containers.inspect(args[0]!));
    if (tty && isatty(1)) stopResize = monitorTtySize((h, w) => containers.resize(args[0]!, h, w), { bump: true });
    if ((await runSession({ stream, tty, stdin, stdout: true, stderr: true, detachKeys })) === "detached") {
      writeErr("read escape sequence\n");
      return 1;
    }
  } finally {
    stopResize();
    stopForwarding();
  }
  const r = await wait.result;
  if (r.Error?.Message) throw invalid("api", "API_WAIT_FAILED", r.Error.Message, "see the daemon's log");
  return r.StatusCode;
}

export async function start(ctx: CommandContext): Promise<number> {
  const { client, flags, args } = ctx;
  const containers = new ContainerClient(client);
  if (!flags.attach && !flags.interactive) {
    const failed: string[] = [];
    for (const name of args) {
      try {
        await containers.start(name);
        writeOut(`${name}\n`);
      } catch (e) {
        reportError(e);
        failed.push(name);
      }
    }
    if (failed.length) throw precondition("cli", "CLI_START_FAILED", `failed to start containers: ${failed.join(", ")}`, "the errors above say why");
    return 0;
  }
  if (args.length > 1) throw invalid("cli", "CLI_USAGE", "you cannot start and attach multiple containers at once", "start them one at a time with -a, or without -a together");
  const detachKeys = str(flags["detach-keys"]) || cliSettings().detachKeys;
  if (detachKeys) detachKeyBytes(detachKeys);
  const c = await containers.inspect(args[0]!);
  const tty = c.Config.Tty;
  const stdin = !!flags.interactive && c.Config.OpenStdin;
  if (stdin && tty && !isatty(0)) throw notATty();
  const stopForwarding = tty ? () => {} : forwardSignals((s) => containers.kill(c.Id, s));
  let stopResize = () => {};
  try {
    const stream = await containers.attach(c.Id, { stdin, stdout: true, stderr: true, detachKeys });
    const wait = await containers.wait(c.Id, c.HostConfig.AutoRemove ? "removed" : "next-exit");
    const session = runSession({ stream, tty, stdin, stdout: true, stderr: true, detachKeys });
    try {
      await containers.start(c.Id);
    } catch (e) {
      stream.close();
      await session.catch(() => {});
      if (c.HostConfig.AutoRemove) await wait.result.catch(() => {});
      throw e;
    }
    if (tty && isatty(1)) stopResize = monitorTtySize((h, w) => containers.resize(c.Id, h, w));
    if ((await session) === "detached") return 0;
    const r = await wait.result;
    if (r.Error?.Message) throw invalid("api", "API_WAIT_FAILED", r.Error.Message, "see the daemon's log");
    return r.StatusCode;
  } finally {
    stopResize();
    stopForwarding();
  }
}
