// skiff exec, as docker 28's against an API 1.41 daemon: GET /containers/{id}/json first (so that
// "No such container" comes before anything is created), POST /containers/{id}/exec with docker's
// body ({User, Privileged, Tty, AttachStdin, AttachStderr, AttachStdout, Detach, DetachKeys, Env,
// WorkingDir, Cmd}), then either POST /exec/{id}/start {"Detach":true,"Tty":…} (-d), or the same
// start hijacked ({"Detach":false,"Tty":…}) with stdin, stdout and stderr streamed, POST
// /exec/{id}/resize?h=&w= with a tty, and GET /exec/{id}/json for the exit code, which is skiff's.
import { isatty } from "../termios.ts";
import { writeErr } from "../../../common/stdio.ts";
import { isSkiffError, precondition } from "../../../common/errors.ts";
import { refused } from "../report-error.ts";
import { ContainerClient, type ExecCreateBody } from "../../../api/client-containers.ts";
import { str, strs, type CommandContext } from "../command.ts";
import { envValue, keyValueFile } from "../container-values.ts";
import { detachKeyBytes, runSession } from "../attach-session.ts";
import { monitorTtySize } from "../terminal.ts";
import { cliSettings, type CliSettings } from "../cli-settings.ts";

/** docker's parseExec: the exec create body from the flags and the command. */
export function execBody(flags: CommandContext["flags"], cmd: string[], env: Record<string, string | undefined> = process.env, settings: CliSettings = cliSettings(env)): ExecCreateBody {
  const detach = !!flags.detach;
  const envList = [...strs(flags["env-file"]).flatMap((f) => keyValueFile(f, "env", env)), ...strs(flags.env).map((e) => envValue(e, env))];
  const detachKeys = str(flags["detach-keys"]) || settings.detachKeys || "";
  if (detachKeys) detachKeyBytes(detachKeys);
  return {
    User: str(flags.user) ?? "",
    Privileged: !!flags.privileged,
    Tty: !!flags.tty,
    AttachStdin: !detach && !!flags.interactive,
    AttachStderr: !detach,
    AttachStdout: !detach,
    Detach: detach,
    DetachKeys: detachKeys,
    Env: envList.length ? envList : null,
    WorkingDir: str(flags.workdir) ?? "",
    Cmd: cmd,
  };
}

export async function exec({ client, flags, args }: CommandContext): Promise<number> {
  const [container, ...cmd] = args as [string, ...string[]];
  let body: ExecCreateBody;
  try {
    body = execBody(flags, cmd);
  } catch (e) {
    // docker's exec refuses its options' values in its RunE: status 1, not its flag parser's 125
    throw isSkiffError(e) && e.layer === "cli" && e.kind === "invalid_argument" ? refused(e.code, e.message, e.hint) : e;
  }
  const containers = new ContainerClient(client);
  await containers.inspect(container);
  if (!body.Detach && body.AttachStdin && body.Tty && !isatty(0))
    throw precondition("cli", "CLI_NOT_A_TTY", "the input device is not a TTY", "leave -t out when stdin is a file or a pipe (-i alone streams it), or run skiff on a terminal");
  const { Id } = await containers.execCreate(container, body);
  if (body.Detach) {
    await containers.execStartDetached(Id, body.Tty);
    return 0;
  }
  const stream = await containers.execAttach(Id, body.Tty);
  const stopResize = body.Tty && isatty(0) && isatty(1) ? monitorTtySize((h, w) => containers.execResize(Id, h, w)) : () => {};
  try {
    const end = await runSession({ stream, tty: body.Tty, stdin: body.AttachStdin, stdout: true, stderr: true, detachKeys: body.DetachKeys || undefined });
    if (end === "detached") {
      writeErr("read escape sequence\n");
      return 1;
    }
  } finally {
    stopResize();
  }
  const inspected = await containers.execInspect(Id);
  return inspected.ExitCode ?? 0;
}
