// docker exec over the API: POST /containers/{id}/exec makes an exec, POST /exec/{id}/start runs
// it (attached: a hijacked stream like attach's; detached: 200 at once), GET /exec/{id}/json says
// how it went, POST /exec/{id}/resize sets its tty.
import { SkiffError } from "../../common/errors.ts";
import { endpoint, hijackEndpoint, q, type BodySpec, type Endpoint } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { array, boolean, integer, object, optional, string, type Infer } from "../schema.ts";
import { parseDetachKeys, splice, streamError } from "./attach.ts";
import { containersOf } from "./containers.ts";

const execConfig = object({
  AttachStdin: optional(boolean()),
  AttachStdout: optional(boolean()),
  AttachStderr: optional(boolean()),
  DetachKeys: optional(string({ maxLength: 64 })),
  Tty: optional(boolean()),
  Env: optional(array(string({ maxLength: 131072 }), { maxItems: 4096 })),
  Cmd: optional(array(string({ maxLength: 131072 }), { maxItems: 4096 })),
  Privileged: optional(boolean()),
  User: optional(string({ maxLength: 256 })),
  WorkingDir: optional(string({ maxLength: 4096 })),
  ConsoleSize: optional(array(integer({ min: 0, max: 65535 }), { maxItems: 2 })),
});

export const create = endpoint({ query: {}, body: { kind: "json", schema: execConfig, maxBytes: 4 << 20 } }, (ctx, { body }) => {
  if (body.DetachKeys) parseDetachKeys(body.DetachKeys);
  const e = containersOf(ctx).execCreate(ctx.params.id!, {
    cmd: body.Cmd ?? [],
    env: body.Env,
    user: body.User,
    workingDir: body.WorkingDir,
    tty: body.Tty,
    privileged: body.Privileged,
    attachStdin: body.AttachStdin,
    attachStdout: body.AttachStdout,
    attachStderr: body.AttachStderr,
    detachKeys: body.DetachKeys,
  });
  return Response.json({ Id: e.id }, { status: 201 });
});

const startSchema = object({ Detach: optional(boolean()), Tty: optional(boolean()), ConsoleSize: optional(array(integer({ min: 0, max: 65535 }), { maxItems: 2 })) });
const startBody: BodySpec<Infer<typeof startSchema>> = { kind: "json", schema: startSchema, maxBytes: 64 << 10, empty: {} };

const attached = hijackEndpoint({ query: {}, body: startBody }, async (ctx, { body }, socket, head) => {
  const svc = containersOf(ctx);
  const e = svc.execs.get(ctx.params.id!);
  if (body.Detach) throw apiError("invalid_argument", "API_EXEC_DETACH_UPGRADE", "a detached exec start takes no Upgrade", "send it as a plain POST");
  const stream = svc.execStart(e.id, { detach: false });
  const size = body.ConsoleSize;
  if (size?.length === 2 && size[0]! > 0) void stream.then(() => svc.execResize(e.id, size[0]!, size[1]!).catch(() => undefined));
  splice(socket, stream.then((s) => s!), { head, detachKeys: e.config.tty ? parseDetachKeys(e.config.detachKeys ?? "ctrl-p,ctrl-q") : [], failure: (err) => streamError(err, !(e.config.tty ?? false)) });
});

/** Plain POST: detached (200 at once); the attached form needs the Upgrade. */
export const start: Endpoint = {
  spec: attached.spec,
  upgrade: attached.upgrade,
  run: endpoint({ query: {}, body: startBody }, async (ctx, { body }) => {
    if (!body.Detach) throw new SkiffError({ layer: "api", code: "API_UPGRADE_REQUIRED", kind: "invalid_argument", message: "an attached exec start takes the connection over: send it with Connection: Upgrade and Upgrade: tcp", hint: "or start it detached: {\"Detach\": true}" });
    await containersOf(ctx).execStart(ctx.params.id!, { detach: true });
    return new Response(null, { status: 200 });
  }).run,
};

export const inspect = endpoint({ query: {} }, (ctx) => {
  const svc = containersOf(ctx);
  const e = svc.execs.get(ctx.params.id!);
  const c = e.config;
  return Response.json({
    CanRemove: false,
    ContainerID: e.containerId,
    DetachKeys: c.detachKeys ?? "",
    ExitCode: e.exitCode,
    ID: e.id,
    OpenStderr: c.attachStderr ?? false,
    OpenStdin: c.attachStdin ?? false,
    OpenStdout: c.attachStdout ?? false,
    ProcessConfig: { arguments: c.cmd.slice(1), entrypoint: c.cmd[0], privileged: c.privileged ?? false, tty: c.tty ?? false, user: c.user ?? "" },
    Running: e.running,
    Pid: e.pid,
  });
});

export const resize = endpoint({ query: { h: q.int({ min: 0, max: 65535 }), w: q.int({ min: 0, max: 65535 }) } }, async (ctx, { query }) => {
  await containersOf(ctx).execResize(ctx.params.id!, query.h ?? 0, query.w ?? 0);
  return new Response(null, { status: 201 });
});
