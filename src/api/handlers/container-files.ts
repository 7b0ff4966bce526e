// The container routes for files in and out: the archive endpoints (HEAD: the stat only, in the
// X-Docker-Container-Path-Stat header; GET: that header and a tar; PUT: a tar, plain or
// compressed, extracted into a directory), changes (docker diff), export and commit. Tar
// responses are streamed as the client reads them; a client that goes away returns the stream,
// which closes the container's root (and unmounts what was mounted for it).
import { Readable } from "node:stream";
import { coalesce } from "../../common/coalesce.ts";
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { array, custom, object, optional, record, string } from "../schema.ts";
import type { HandlerContext } from "./context.ts";
import { containersOf } from "./containers.ts";

export const STAT_HEADER = "X-Docker-Container-Path-Stat";

const statHeader = (stat: object) => Buffer.from(JSON.stringify(stat)).toString("base64");

const pathQuery = { path: q.string({ maxLength: 4096 }) };

function needPath(path: string | undefined): string {
  if (!path) throw apiError("invalid_argument", "API_PATH_MISSING", "Path cannot be empty", "pass ?path=/a/path/in/the/container");
  return path;
}

/** HEAD /containers/{id}/archive?path=: 200 with the stat header, no body. */
export const archiveHead = endpoint({ query: pathQuery }, async (ctx, { query }) => {
  const stat = await containersOf(ctx).files.stat(ctx.params.id!, needPath(query.path));
  return new Response(null, { status: 200, headers: { [STAT_HEADER]: statHeader(stat), "Content-Type": "application/x-tar" } });
});

/** GET /containers/{id}/archive?path=: the stat header and a tar of the path. */
export const archiveGet = endpoint({ query: pathQuery }, async (ctx, { query }) => {
  const { stat, tar } = await containersOf(ctx).files.archive(ctx.params.id!, needPath(query.path));
  return new Response(streamOf(tar), { status: 200, headers: { [STAT_HEADER]: statHeader(stat), "Content-Type": "application/x-tar" } });
});

/** PUT /containers/{id}/archive?path=&noOverwriteDirNonDir=&copyUIDGID=: the body (a tar) extracted into the directory `path`. */
export const archivePut = endpoint({ query: { ...pathQuery, noOverwriteDirNonDir: q.bool(), copyUIDGID: q.bool() }, body: { kind: "stream" } }, async (ctx, { query }) => {
  const body = ctx.req.body ? (Readable.fromWeb(ctx.req.body as import("node:stream/web").ReadableStream) as AsyncIterable<Uint8Array>) : Readable.from([]);
  await containersOf(ctx).files.extract(ctx.params.id!, needPath(query.path), body, { noOverwriteDirNonDir: query.noOverwriteDirNonDir, copyUIDGID: query.copyUIDGID });
  return new Response(null, { status: 200 });
});

/** GET /containers/{id}/changes: [{Path, Kind}], Kind 0 modified, 1 added, 2 deleted. */
export const changes = endpoint({ query: {} }, (ctx) => Response.json(containersOf(ctx).files.changes(ctx.params.id!)));

/** GET /containers/{id}/export: a tar of the container's filesystem. */
export const exportTar = endpoint({ query: {} }, async (ctx) => {
  const tar = await containersOf(ctx).files.export(ctx.params.id!);
  return new Response(streamOf(tar), { status: 200, headers: { "Content-Type": "application/x-tar" } });
});

const strings = array(string({ maxLength: 65536 }), { maxItems: 4096 });
const anyObject = custom("an object", (v, _path, refuse) => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : refuse()));

/** The Config fields a commit request may set over the container's (docker's container.Config). */
const commitBody = object({
  User: optional(string({ maxLength: 1024 })),
  Env: optional(strings),
  Cmd: optional(strings),
  Entrypoint: optional(strings),
  WorkingDir: optional(string({ maxLength: 4096 })),
  Labels: optional(record(string({ maxLength: 65536 }), { maxEntries: 4096 })),
  ExposedPorts: optional(anyObject),
  Volumes: optional(anyObject),
  StopSignal: optional(string({ maxLength: 32 })),
  Healthcheck: optional(anyObject),
  OnBuild: optional(strings),
});

/** POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=: 201 {"Id"}. */
export const commit = endpoint(
  {
    query: { container: q.string({ maxLength: 255 }), repo: q.string({ maxLength: 1024 }), tag: q.string({ maxLength: 128 }), comment: q.string({ maxLength: 65536 }), author: q.string({ maxLength: 1024 }), pause: q.string({ maxLength: 8 }), changes: q.list({ maxItems: 256, maxLength: 65536 }) },
    body: { kind: "json", schema: optional(commitBody), maxBytes: 4 << 20, empty: {} },
  },
  async (ctx: HandlerContext, { query, body }) => {
    if (!query.container) throw apiError("invalid_argument", "API_COMMIT_CONTAINER_MISSING", "commit: no container given", "pass ?container=NAME");
    // docker: an absent pause is true (API 1.13 and later); "0", "false", "no" turn it off
    const pause = query.pause === undefined || !["0", "false", "no", "none"].includes(query.pause.toLowerCase());
    const id = await containersOf(ctx).files.commit(query.container, { repo: query.repo, tag: query.tag, comment: query.comment, author: query.author, changes: query.changes, pause, config: body ?? {} });
    return Response.json({ Id: id }, { status: 201 });
  },
);

/** A byte stream over an iterator, in chunks of 256 KiB or more; the iterator is returned (root closed) when the client cancels. */
function streamOf(it: AsyncIterableIterator<Uint8Array>): ReadableStream<Uint8Array> {
  const chunks = coalesce(it);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await chunks.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel() {
      await chunks.return(undefined);
      await it.return?.(); // coalesce returns its source only once it has started
    },
  });
}
