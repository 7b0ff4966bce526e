// skiff cp: files between a container and the host, with docker's copy rules (its CLI decides
// them; the daemon only stats, sends and extracts tars):
// - a file onto an existing directory goes into it under its own name; onto an existing file (or
//   a path that does not exist) it takes the destination's name; onto "DIR/" that does not exist
//   it fails ("no such directory");
// - a directory onto an existing directory goes into it (with "SRC/." its content does); onto a
//   path that does not exist it becomes that directory; onto a file it fails;
// - "-" as the source is a tar read from stdin (extracted into the destination directory), as the
//   destination the tar written to stdout;
// - -L follows a symlink given as the source; the tar carries the host's uid/gid, which skiffd
//   keeps, as docker's CLI and dockerd do; with -a the container's user owns what is copied in.
import { createReadStream, lstatSync, mkdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SkiffError } from "../../../common/errors.ts";
import { coalesce } from "../../../common/coalesce.ts";
import { writeAll, writeErr } from "../../../common/stdio.ts";
import { humanSize } from "../../../api/units.ts";
import type { ApiClient } from "../../../api/client.ts";
import { isatty } from "../termios.ts";
import { CHUNK_ROOM, UnixExchange } from "../../../api/unix-exchange.ts";
import { hostExtractor, packHostTo } from "../host-tar.ts";
import type { CommandContext } from "../command.ts";

interface PathStat {
  name: string;
  size: number;
  mode: number;
  linkTarget: string;
}

const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
// exit status 1 for all of them, as docker's cp (not 125: the command line parsed)
const cpError = (code: string, message: string, hint: string) => new SkiffError({ layer: "cli", code, kind: "failed_precondition", message, hint });

/** docker's splitCpArg: "CONTAINER:PATH", or a local path (one starting with "/" or ".", or without ":"). */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith("/") || arg.startsWith(".")) return { path: arg };
  const i = arg.indexOf(":");
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

export async function cp({ client, flags, args }: CommandContext): Promise<number> {
  const [src, dst] = [splitCpArg(args[0]!), splitCpArg(args[1]!)];
  if (src.container && dst.container) throw cpError("CLI_CP_BETWEEN_CONTAINERS", "copying between containers is not supported", "copy to the host first, then into the other container");
  if (!src.container && !dst.container) throw cpError("CLI_CP_NO_CONTAINER", "must specify at least one container source", "name one side as CONTAINER:PATH");
  if ((src.container && !src.path) || (dst.container && !dst.path)) throw cpError("CLI_CP_EMPTY_PATH", "destination cannot be empty", "give a path after the colon: CONTAINER:/path");
  const follow = flags["follow-link"] === true;
  const progress = flags.quiet !== true && isatty(2);
  const bytes = src.container ? await copyFrom(client, src.container, src.path, dst.path, follow) : await copyTo(client, dst.container!, dst.path, src.path, { follow, keepOwner: flags.archive === true });
  // docker's words: 3 significant digits, a local path made absolute (its trailing "/" or "/." kept)
  if (progress && dst.path !== "-") writeErr(`Successfully copied ${humanSize(bytes, 3)} to ${dst.container ? `${dst.container}:${dst.path}` : absoluteKeepingTail(dst.path)}\n`);
  return 0;
}

const archivePath = (container: string) => `/containers/${encodeURIComponent(container)}/archive`;

function decodeStat(headers: Headers): PathStat {
  const h = headers.get("x-docker-container-path-stat");
  return h ? (JSON.parse(Buffer.from(h, "base64").toString("utf8")) as PathStat) : { name: "", size: 0, mode: 0, linkTarget: "" };
}

async function statIn(client: ApiClient, container: string, path: string): Promise<PathStat | undefined> {
  try {
    return decodeStat((await client.request("HEAD", archivePath(container), { query: { path } })).headers);
  } catch (e) {
    if (e instanceof SkiffError && e.kind === "not_found" && !/No such container/.test(e.message)) return undefined;
    throw e;
  }
}

async function copyFrom(client: ApiClient, container: string, srcPath: string, dst: string, follow: boolean): Promise<number> {
  let path = srcPath;
  let rebase: string | undefined;
  if (follow) {
    const st = await statIn(client, container, srcPath);
    if (st && st.mode & GO_SYMLINK && st.linkTarget) {
      path = st.linkTarget;
      rebase = basename(srcPath);
    }
  }
  // the archive is read synchronously into one buffer and extracted as it comes (api/unix-exchange.ts)
  const started = performance.now();
  const x = UnixExchange.open(client.socketPath, "GET", client.target(archivePath(container), { path }), client.withTrace(), false);
  try {
    return await receive(x, srcPath, dst, rebase, (headers) => client.traced(`GET ${archivePath(container)}`, headers, started));
  } finally {
    x.close();
  }
}

async function receive(x: UnixExchange, srcPath: string, dst: string, rebase: string | undefined, traced: (h: Headers) => void): Promise<number> {
  const { headers } = await x.response();
  traced(headers);
  const stat = decodeStat(headers);
  let bytes = 0;
  if (dst === "-") {
    x.body((c) => {
      bytes += c.byteLength;
      writeAll(1, c);
    });
    return bytes;
  }
  const isDir = (stat.mode & GO_DIR) !== 0;
  const root = stat.name === "/";
  const content = srcPath.endsWith("/.") || root;
  const name = stat.name;
  const extract = (into: string, rename?: { from: string; to: string }) => {
    const tar = hostExtractor(into, rename, { rootRelative: root });
    try {
      x.body((c) => {
        bytes += c.byteLength;
        if (!tar.done) tar.push(c);
      });
      tar.finish();
    } finally {
      tar.abort();
    }
  };
  const dstStat = statOrUndefined(dst);
  if (dstStat?.isDirectory()) {
    extract(dst, rebase && !content ? { from: name, to: rebase } : undefined);
  } else if (dstStat) {
    if (isDir) throw cpError("CLI_CP_DIR_TO_FILE", "cannot copy directory", `${dst} is a file: give a directory, or a path that does not exist`);
    extract(dirname(dst), { from: name, to: basename(dst) });
  } else {
    if (!isDir && /\/\.?$/.test(dst)) throw cpError("CLI_CP_NO_DIRECTORY", "no such directory", `create ${dst} first, or name the file without a trailing /`);
    const parent = statOrUndefined(dirname(dst));
    if (!parent?.isDirectory()) throw cpError("CLI_CP_NO_PARENT", `${dirname(dst)}: no such file or directory`, `create ${dirname(dst)} first`);
    if (content) {
      mkdirSync(dst);
      extract(dst);
    } else extract(dirname(dst), { from: name, to: basename(dst.replace(/\/+$/, "")) });
  }
  return bytes;
}

async function copyTo(client: ApiClient, container: string, dstPath: string, src: string, o: { follow: boolean; keepOwner: boolean }): Promise<number> {
  const query = (dir: string) => ({ path: dir, noOverwriteDirNonDir: true, copyUIDGID: o.keepOwner });
  if (src === "-") {
    let bytes = 0;
    const counted = (async function* () {
      for await (const c of coalesce(createReadStream("", { fd: 0 }) as unknown as AsyncIterable<Uint8Array>)) {
        bytes += c.byteLength;
        yield c;
      }
    })();
    await client.request("PUT", archivePath(container), { query: query(dstPath), body: counted as unknown as ReadableStream, headers: { "Content-Type": "application/x-tar" } });
    return bytes;
  }
  /** The host path packed straight into the request's chunks (api/unix-exchange.ts): one buffer, written synchronously. */
  const put = async (dir: string, name: string, contents: boolean) => {
    let bytes = 0;
    const started = performance.now();
    const x = UnixExchange.open(client.socketPath, "PUT", client.target(archivePath(container), query(dir)), client.withTrace({ "Content-Type": "application/x-tar" }), true);
    try {
      packHostTo(source, name, { contents, keepOwner: true }, CHUNK_ROOM, (buf, from, to) => {
        bytes += to - from;
        // the daemon answered early (an error): stop packing, read its answer
        if (!x.send(buf, from, to)) throw STOP;
      });
    } catch (e) {
      if (e !== STOP) throw e;
    }
    try {
      client.traced(`PUT ${archivePath(container)}`, (await x.finish()).headers, started);
      x.body(() => {});
    } finally {
      x.close();
    }
    return bytes;
  };
  let st: Stats;
  try {
    st = o.follow ? statSync(src) : lstatSync(src);
  } catch {
    throw new SkiffError({ layer: "cli", code: "CLI_CP_SOURCE_MISSING", kind: "not_found", message: `could not find the file ${src}`, hint: "check the source path on the host" });
  }
  // -L: a symlink given as the source is copied as what it points to, under the link's own name
  const source = o.follow ? realpathSync(src) : src;
  const content = src.endsWith("/.");
  let dst = await statIn(client, container, dstPath);
  let target = dstPath;
  if (dst && dst.mode & GO_SYMLINK && dst.linkTarget) {
    target = dst.linkTarget;
    dst = await statIn(client, container, target);
  }
  const srcName = basename(src.replace(/\/\.?$/, "")) || "/";
  if (dst && dst.mode & GO_DIR) return put(target, srcName, content);
  if (dst) {
    if (st.isDirectory()) throw cpError("CLI_CP_DIR_TO_FILE", "cannot copy directory", `${container}:${dstPath} is a file: give a directory, or a path that does not exist`);
    return put(dirnameOf(target), basename(target), false);
  }
  if (!st.isDirectory() && /\/\.?$/.test(dstPath)) throw cpError("CLI_CP_NO_DIRECTORY", "no such directory", `create ${container}:${dstPath} first, or name the file without a trailing /`);
  const clean = target.replace(/\/+$/, "");
  return put(dirnameOf(clean), basename(clean), false);
}

const STOP = new Error("the daemon answered before the archive was sent");
const dirnameOf = (p: string) => (p.startsWith("/") ? dirname(p) : join("/", dirname(p)));

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** docker's resolveLocalPath: filepath.Abs, then the "/" or "/." the user ended the path with. */
function absoluteKeepingTail(p: string): string {
  const abs = resolve(p);
  if (p.endsWith("/.") || p === ".") return abs === "/" ? "/." : `${abs}/.`;
  return p.endsWith("/") && abs !== "/" ? `${abs}/` : abs;
}
