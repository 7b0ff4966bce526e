// A fake Docker Engine daemon on a unix socket for tests of container clients: the container and
// exec endpoints of API v1.41 over FakeContainers, with the wire shapes docker's daemon answers
// (so the real docker CLI works against it too, and tests can compare both clients), hijacked
// attach and exec start (101, raw bytes for a tty, else multiplexed frames; half-close; detach
// keys), logs, waits that answer their head at once, a pull for missing images, and a record of
// every request (method, path without the version, query, body) for tests to look at. Test code only.
import type { Duplex } from "node:stream";
import { isSkiffError, SkiffError } from "../../common/errors.ts";
import { listenHttp, type HttpServer } from "../http-server.ts";
import { encodeFrame } from "../hijack-client.ts";
import { FakeContainers, type FakeContainer, type FakeProcess } from "./fake-containers.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  upgrade?: boolean;
}

const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });
const errorBody = (e: unknown) => (isSkiffError(e) ? { message: e.message } : { message: String(e) });
const bad = (message: string) => new SkiffError({ layer: "engine", code: "FAKE_400", kind: "invalid_argument", message, details: { status: 400 } });
const statusOf = (e: unknown) => (isSkiffError(e) && typeof e.details.status === "number" ? e.details.status : 500);

export class FakeDaemon {
  readonly store = new FakeContainers();
  readonly requests: RecordedRequest[] = [];
  private server?: HttpServer;
  private readonly sockets = new Set<Duplex>();

  constructor(readonly socketPath: string) {}

  async start(): Promise<this> {
    this.server = await listenHttp({ socketPath: this.socketPath, handle: (r) => this.handle(r), upgrade: (r, s, h) => void this.upgrade(r, s, h) });
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const c of this.store.containers.values()) c.process?.signal("KILL");
    await this.server?.close();
  }

  /** The requests whose path matches, without the version negotiation's. */
  calls(pattern?: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.path !== "/_ping" && (!pattern || pattern.test(`${r.method} ${r.path}`)));
  }

  private async record(req: Request, upgrade: boolean, bodyText?: string): Promise<{ path: string; query: Record<string, string>; body?: unknown }> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/v\d+\.\d+/, "");
    const query = Object.fromEntries(url.searchParams);
    const text = bodyText ?? (req.body ? await req.text() : "");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    this.requests.push({ method: req.method, path, query, ...(body !== undefined ? { body } : {}), ...(upgrade ? { upgrade } : {}) });
    return { path, query, body };
  }

  private async handle(req: Request): Promise<Response> {
    const { path, query, body } = await this.record(req, false);
    try {
      return (await this.route(req.method, path, query, body)) ?? json({ message: `page not found: ${req.method} ${path}` }, 404);
    } catch (e) {
      return json(errorBody(e), statusOf(e));
    }
  }

  private async route(method: string, path: string, q: Record<string, string>, body: unknown): Promise<Response | undefined> {
    const s = this.store;
    const m = /^\/containers\/(create|json|prune)$/.test(path) ? null : /^\/containers\/([^/]+)(?:\/(\w+))?$/.exec(path);
    const id = m ? decodeURIComponent(m[1]!) : "";
    const verb = `${method} ${m ? (m[2] ?? "") : path}`;
    if (path === "/_ping") return new Response(method === "HEAD" ? null : "OK", { headers: { "Api-Version": "1.41", Ostype: "linux", "Docker-Experimental": "false" } });
    if (path === "/version") return json({ ApiVersion: "1.41", MinAPIVersion: "1.12", Version: "20.10.0-fake", Os: "linux", Arch: "amd64", KernelVersion: "6.0", GitCommit: "fake", GoVersion: "go", BuildTime: "" });
    if (path === "/info") return json({ OSType: "linux", Containers: s.containers.size, ServerVersion: "20.10.0-fake" });
    if (verb === "POST /containers/create") return json(s.create(body as never, q.name), 201);
    if (verb === "GET /containers/json") return json(this.list(q));
    if (verb === "POST /containers/prune") return json(s.prune());
    if (verb === "GET json") return json(s.inspect(s.find(id)));
    if (verb === "POST start") return new Response(null, { status: s.start(id) === "already" ? 304 : 204 });
    if (verb === "POST stop") return new Response(null, { status: (await s.stop(id, q.t === undefined ? undefined : Number(q.t), q.signal)) === "already" ? 304 : 204 });
    if (verb === "POST restart") return await s.restart(id, q.t === undefined ? undefined : Number(q.t)), new Response(null, { status: 204 });
    if (verb === "POST kill") return s.kill(id, q.signal || undefined), new Response(null, { status: 204 });
    if (verb === "POST pause" || verb === "POST unpause") return s.pause(id, verb === "POST pause"), new Response(null, { status: 204 });
    if (verb === "DELETE ") return await s.remove(id, { force: q.force === "1" || q.force === "true" }), new Response(null, { status: 204 });
    if (verb === "POST rename") return s.rename(id, q.name ?? ""), new Response(null, { status: 204 });
    if (verb === "POST resize" || verb === "POST wait" || verb === "GET logs" || verb === "GET top") return this.containerStream(verb, s.find(id), q);
    if (verb === "POST exec") return json(s.execCreate(id, body as never), 201);
    const e = /^\/exec\/([^/]+)\/(json|resize|start)$/.exec(path);
    if (e && method === "GET" && e[2] === "json") return json(this.execInspect(e[1]!));
    if (e && e[2] === "resize") return this.resize(s.exec(e[1]!).process, q), new Response(null, { status: 201 });
    if (e && e[2] === "start") return this.execStartDetached(e[1]!, body);
    const img = /^\/images\/(.+)\/json$/.exec(path);
    if (img && method === "GET") return json({ Id: s.image(decodeURIComponent(img[1]!)).Id, RepoTags: [decodeURIComponent(img[1]!)], Config: s.image(decodeURIComponent(img[1]!)).Config });
    if (verb === "POST /images/create") return this.pull(q);
    return undefined;
  }

  private list(q: Record<string, string>): unknown[] {
    const filters = q.filters ? (JSON.parse(q.filters) as Record<string, Record<string, boolean> | string[]>) : {};
    const values = (k: string) => (Array.isArray(filters[k]) ? filters[k] : Object.keys(filters[k] ?? {}));
    for (const k of Object.keys(filters)) if (!["status", "name", "id", "label", "exited"].includes(k)) throw bad(`invalid filter '${k}'`);
    let all = [...this.store.containers.values()].sort((a, b) => b.created - a.created);
    const limit = Number(q.limit ?? -1);
    if (!(q.all === "1" || q.all === "true") && limit <= 0 && !values("status").length) all = all.filter((c) => c.state === "running" || c.state === "paused");
    if (limit > 0) all = all.slice(0, limit);
    all = all.filter(
      (c) =>
        (!values("status").length || values("status").includes(c.state)) &&
        (!values("name").length || values("name").some((n) => new RegExp(n).test(`/${c.name}`))) &&
        (!values("id").length || values("id").some((i) => c.id.startsWith(i))) &&
        (!values("exited").length || (c.state === "exited" && values("exited").includes(String(c.exitCode)))) &&
        values("label").every((l) => {
          const [k, v] = l.split("=", 2) as [string, string | undefined];
          return c.body.Labels?.[k] !== undefined && (v === undefined || c.body.Labels[k] === v);
        }),
    );
    return all.map((c) => this.store.summary(c, q.size === "1" || q.size === "true"));
  }

  private execInspect(id: string): unknown {
    const e = this.store.exec(id);
    return { ID: e.id, Running: !!e.process?.running, ExitCode: e.exitCode, ProcessConfig: { tty: e.body.Tty, entrypoint: e.body.Cmd[0], arguments: e.body.Cmd.slice(1), privileged: e.body.Privileged, user: e.body.User }, OpenStdin: e.body.AttachStdin, OpenStderr: e.body.AttachStderr, OpenStdout: e.body.AttachStdout, CanRemove: false, ContainerID: e.container.id, DetachKeys: e.body.DetachKeys, Pid: e.process?.running ? 4343 : 0 };
  }

  private execStartDetached(id: string, body: unknown): Response {
    const p = this.store.execProcess(id);
    if (!(body as { Detach?: boolean })?.Detach) return json({ message: "exec start without Detach needs the connection taken over (Upgrade: tcp)" }, 400);
    p.start();
    return new Response(null, { status: 200 });
  }

  private resize(p: FakeProcess | undefined, q: Record<string, string>): void {
    if (!p) throw bad("the process has not started");
    p.rows = Number(q.h);
    p.cols = Number(q.w);
  }

  private containerStream(verb: string, c: FakeContainer, q: Record<string, string>): Response {
    const s = this.store;
    if (verb === "POST resize") {
      if (c.state !== "running") return json({ message: `Container ${c.id} is not running` }, 409);
      return this.resize(c.process, q), new Response(null, { status: 200 });
    }
    if (verb === "GET top") {
      if (c.state !== "running") return json({ message: `Container ${c.id} is not running` }, 409);
      return json({ Titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], Processes: [["root", "4242", "4200", "0", "11:00", "?", "00:00:00", c.argv.join(" ")]] });
    }
    if (verb === "POST wait") {
      // the head goes out now (http-server.ts flushes it), the result when the condition is met: a
      // start after the head cannot be missed, and docker's CLI waits for this head before it starts
      const code = s.wait(c.id, q.condition || "not-running");
      const enc = new TextEncoder();
      return new Response(
        new ReadableStream({
          start(ctl) {
            void code.then((StatusCode) => {
              try {
                ctl.enqueue(enc.encode(`${JSON.stringify({ StatusCode, Error: null })}\n`));
                ctl.close();
              } catch {
                // the client went away first (docker run -d leaves its wait)
              }
            });
          },
        }),
        { headers: { "Content-Type": "application/json" } },
      );
    }
    return this.logs(c, q);
  }

  private logs(c: FakeContainer, q: Record<string, string>): Response {
    const on = (k: string) => q[k] === "1" || q[k] === "true";
    const since = q.since ? Number(q.since) * 1000 : 0;
    const until = q.until ? Number(q.until) * 1000 : Infinity;
    let entries = c.log.filter((e) => ((e.stream === 1 && on("stdout")) || (e.stream === 2 && on("stderr"))) && e.time >= since && e.time < until);
    if (q.tail && q.tail !== "all") entries = entries.slice(Math.max(0, entries.length - Number(q.tail)));
    const frame = (stream: 1 | 2, data: string, time: number) => {
      const text = on("timestamps") ? `${new Date(time).toISOString().replace(/Z$/, "000000Z")} ${data}` : data;
      return c.body.Tty ? Buffer.from(text, "latin1") : encodeFrame(stream, Buffer.from(text, "latin1"));
    };
    const follow = on("follow") && (c.state === "running" || c.state === "paused" || c.state === "created");
    let listener: ((s: 1 | 2, d: string) => void) | undefined;
    let open = true;
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (const e of entries) ctl.enqueue(frame(e.stream, e.data, e.time));
        if (!follow) return ctl.close();
        listener = (stream, data) => open && ((stream === 1 && on("stdout")) || (stream === 2 && on("stderr"))) && ctl.enqueue(frame(stream, data, Date.now()));
        c.listeners.add(listener);
        c.exitWaiters.add(() => {
          c.listeners.delete(listener!);
          if (open) ctl.close();
          open = false;
        });
      },
      cancel: () => {
        open = false;
        if (listener) c.listeners.delete(listener);
      },
    });
    return new Response(body, { headers: { "Content-Type": c.body.Tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream" } });
  }

  private pull(q: Record<string, string>): Response {
    const repo = (q.fromImage ?? "").replace(/^docker\.io\/(library\/)?/, "");
    const ref = `${repo}:${q.tag || "latest"}`;
    const img = this.store.pullable.get(ref);
    if (!img) return json({ message: `pull access denied for ${q.fromImage}, repository does not exist or may require 'docker login'` }, 404);
    this.store.images.set(ref, img);
    const lines = [{ status: `Pulling from ${repo.includes("/") ? repo : `library/${repo}`}`, id: q.tag || "latest" }, { status: "Pull complete", id: "a1b2c3d4e5f6" }, { status: `Status: Downloaded newer image for ${ref}` }];
    return new Response(lines.map((l) => `${JSON.stringify(l)}\r\n`).join(""), { headers: { "Content-Type": "application/json" } });
  }

  private async upgrade(req: Request, socket: Duplex, head: Buffer): Promise<void> {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    // the request's body (exec start's JSON) is at the start of `head`
    const length = Number(req.headers.get("content-length") ?? 0);
    const text = head.subarray(0, length).toString();
    const rest = head.subarray(length);
    const { path, query, body } = await this.record(req, true, text);
    try {
      const a = /^\/containers\/([^/]+)\/attach$/.exec(path);
      const e = /^\/exec\/([^/]+)\/start$/.exec(path);
      if (a) this.attach(this.store.find(decodeURIComponent(a[1]!)), socket, query, rest);
      else if (e) this.execAttach(e[1]!, socket, body as { Tty?: boolean }, rest);
      else throw bad(`page not found: ${path}`);
    } catch (err) {
      const text = JSON.stringify(errorBody(err));
      socket.end(`HTTP/1.1 ${statusOf(err)} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    }
    // the server hands the socket over paused: read now that the stream's listeners are on
    socket.resume();
  }

  private attach(c: FakeContainer, socket: Duplex, q: Record<string, string>, rest: Buffer): void {
    const on = (k: string) => q[k] === "1" || q[k] === "true";
    socket.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    if (c.state === "exited") return void socket.end();
    const listener = (stream: 1 | 2, data: string) => {
      if ((stream === 1 && on("stdout")) || (stream === 2 && on("stderr"))) socket.write(c.body.Tty ? Buffer.from(data, "latin1") : encodeFrame(stream, Buffer.from(data, "latin1")));
    };
    c.listeners.add(listener);
    const done = () => c.listeners.delete(listener);
    c.exitWaiters.add(() => (done(), socket.end()));
    socket.on("close", done);
    // as dockerd: a client's end of stdin ends the container's only with StdinOnce and no tty (a tty
    // session that detaches, or drops, leaves the shell running)
    if (on("stdin") && c.body.OpenStdin) this.pipeStdin(socket, rest, q.detachKeys, (d) => this.store.stdin(c, d), () => c.body.StdinOnce && !c.body.Tty && this.store.stdinEnd(c), done);
  }

  private execAttach(id: string, socket: Duplex, body: { Tty?: boolean }, rest: Buffer): void {
    const exec = this.store.exec(id);
    const p = this.store.execProcess(id);
    socket.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    const tty = body?.Tty ?? exec.body.Tty;
    p.listeners.add((stream, data) => {
      if ((stream === 1 && exec.body.AttachStdout) || (stream === 2 && exec.body.AttachStderr)) socket.write(tty ? Buffer.from(data, "latin1") : encodeFrame(stream, Buffer.from(data, "latin1")));
    });
    p.exitListeners.add(() => socket.end());
    if (exec.body.AttachStdin) this.pipeStdin(socket, rest, exec.body.DetachKeys, (d) => p.stdin(d), () => p.stdinEnd(), () => {});
    p.start();
  }

  /** Client bytes to a process's stdin, watching for the detach keys (docker's default ctrl-p,ctrl-q); the client's half-close is stdin's end. */
  private pipeStdin(socket: Duplex, first: Buffer, keys: string | undefined, write: (d: Buffer) => void, end: () => void, detached: () => void): void {
    const seq = detachSequence(keys);
    let matched = 0;
    const onData = (d: Buffer) => {
      // bytes pass through in runs; a possible start of the sequence is held until it matches or not
      let start = 0;
      for (let i = 0; i < d.length; i++) {
        if (d[i] === seq[matched]) {
          if (!matched && i > start) write(d.subarray(start, i));
          start = i + 1;
          if (++matched === seq.length) {
            socket.off("data", onData);
            detached();
            socket.end();
            return;
          }
        } else if (matched) {
          write(Buffer.from(seq.slice(0, matched)));
          matched = d[i] === seq[0] ? 1 : 0;
          start = matched ? i + 1 : i;
        }
      }
      if (!matched && start < d.length) write(d.subarray(start));
    };
    if (first.length) onData(first);
    socket.on("data", onData);
    socket.on("end", end);
  }
}

/** "ctrl-p,ctrl-q" → [16, 17]; letters as themselves. */
function detachSequence(keys: string | undefined): number[] {
  return (keys || "ctrl-p,ctrl-q").split(",").map((k) => {
    const ctrl = /^ctrl-(.)$/.exec(k);
    if (!ctrl) return k.charCodeAt(0);
    const ch = ctrl[1]!;
    return ch === "@" ? 0 : ch === "[" ? 27 : ch === "\\" ? 28 : ch === "]" ? 29 : ch === "^" ? 30 : ch === "_" ? 31 : ch.toLowerCase().charCodeAt(0) - 96;
  });
}
