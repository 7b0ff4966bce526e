// docker's hijacked streams: POST /containers/{id}/attach and POST /exec/{id}/start take the
// connection over after a 101 head (Connection: Upgrade, Upgrade: tcp). From there the client's
// bytes are the container's stdin and the container's output comes back raw (a tty) or in 8-byte
// multiplexed frames, as the monitor sends them. A detach key sequence (default ctrl-p ctrl-q)
// ends the attach and leaves the container running; the client's half-close closes stdin.
import { reasonPhrase } from "../http/answer-head.ts";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { hijackEndpoint, q } from "../endpoint.ts";
import { apiError, wireError } from "../http-error.ts";
import { frameHeader } from "./container-streams.ts";
import { containersOf } from "./containers.ts";

/** Stdin held for a container that does not run yet, before its client is made to wait. */
const EARLY_STDIN_MAX = 1 << 20;

const UPGRADED = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

/** docker's --detach-keys: "ctrl-p,ctrl-q", "a,b", "ctrl-@" … as bytes; "" means none. */
export function parseDetachKeys(spec: string): number[] {
  if (spec === "") return [];
  return spec.split(",").map((k) => {
    if (k.length === 1) return k.charCodeAt(0);
    const m = /^ctrl-([a-z@[\\\]^_])$/i.exec(k);
    if (!m) throw apiError("invalid_argument", "API_DETACH_KEYS_INVALID", `Invalid detach keys (${spec}) provided`, "use keys like ctrl-p,ctrl-q or a,b");
    const c = m[1]!.toLowerCase();
    return c >= "a" && c <= "z" ? c.charCodeAt(0) - 96 : { "@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, _: 31 }[c]!;
  });
}

/** Writes an error as an HTTP answer on a socket that was to be hijacked, and closes it. */
export function refuseOnSocket(socket: Duplex, e: unknown): void {
  const { status, body } = wireError(e);
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

export interface Splice {
  /** What the client sent past its request head (the first stdin bytes). */
  head: Buffer;
  /** How a stream that never came is told to the client (after the 101 an error has no status). */
  failure?: (e: unknown) => Uint8Array;
  /** Detach sequence; empty for none. As dockerd, only a tty's stdin is watched for it: a pipe's
   *  bytes are data (1 MiB of random bytes holds ctrl-p ctrl-q about 16 times). */
  detachKeys: number[];
  /** Bytes to send before the live output (attach --logs). */
  before?: Uint8Array;
}

/**
 * Answers 101 at once and joins the client's socket to the monitor's attach socket once there is
 * one (docker's CLI attaches before it starts the container, and waits for this head to do so):
 * client → stdin (the detach sequence withheld and acted on; what is typed before the container
 * runs is kept for it), output → client. Ends when either side ends, or when the monitor never comes.
 */
export function splice(client: Duplex, monitorPromise: Promise<Socket>, o: Splice): void {
  client.write(UPGRADED);
  if (o.before?.length) client.write(o.before);
  let monitor: Socket | undefined;
  let early: Buffer[] = [];
  let clientEnded = false;
  let matched = 0;
  let detached = false;
  let earlyBytes = 0;
  // stdin is read as fast as the container takes it: what the monitor has not taken yet holds the
  // client back (piped gigabytes would otherwise pile up in the daemon), as do 1 MiB typed early
  const toStdin = (b: Buffer) => {
    if (!monitor) {
      early.push(b);
      if ((earlyBytes += b.length) > EARLY_STDIN_MAX) client.pause();
    } else if (!monitor.writableEnded && !monitor.write(b)) client.pause();
  };
  const fromClient = (chunk: Buffer) => {
    if (detached) return;
    if (!o.detachKeys.length) return void toStdin(chunk);
    const keep: number[] = [];
    for (const b of chunk) {
      if (b === o.detachKeys[matched]) {
        if (++matched === o.detachKeys.length) {
          detached = true;
          // detached: the container keeps running; the client hears the stream end
          if (keep.length) toStdin(Buffer.from(keep));
          monitor?.destroy();
          client.end();
          return;
        }
        continue;
      }
      // a partial sequence that broke off goes through as typed
      if (matched) keep.push(...o.detachKeys.slice(0, matched));
      matched = 0;
      keep.push(b);
    }
    if (keep.length) toStdin(Buffer.from(keep));
  };
  client.on("data", fromClient);
  // the server hands the socket over paused (http-server.ts)
  client.resume();
  if (o.head.length) fromClient(o.head);
  client.on("end", () => {
    clientEnded = true;
    if (!detached) monitor?.end(); // stdin closed
  });
  client.on("error", () => monitor?.destroy());
  client.on("close", () => {
    clientEnded = true;
    monitor?.destroy();
  });
  monitorPromise.then(
    (m) => {
      if (detached || client.destroyed) return void m.destroy();
      monitor = m;
      let taken = true;
      for (const b of early) taken = m.write(b);
      early = [];
      m.on("drain", () => client.resume());
      if (taken) client.resume();
      if (clientEnded) m.end();
      m.on("data", (d: Buffer) => {
        if (!client.write(d)) m.pause();
      });
      client.on("drain", () => m.resume());
      // the output's end: the container has exited, and stdin goes nowhere now (attach() ends
      // the monitor's socket: written to after that, it would fail and take the client with it)
      m.on("end", () => {
        client.end();
        client.resume();
      });
      m.on("error", () => client.destroy());
    },
    (e: unknown) => client.end(o.failure?.(e) ?? new Uint8Array(0)),
  );
}

/** An error as the last words of a stream: on stderr's frame when multiplexed, else as text. As
 *  every error skiff reports, it names its layer and code, with the hint on a line of its own
 *  (dockerd writes the message alone; docker's CLI prints whatever the stream says). */
export function streamError(e: unknown, multiplexed: boolean): Uint8Array {
  const { message, layer, code, hint } = wireError(e).body;
  const text = Buffer.from(`${message} (layer: ${layer}, code: ${code})\r\n${hint ? `hint: ${hint}\r\n` : ""}`);
  if (!multiplexed) return text;
  const h = Buffer.alloc(8);
  h[0] = 2;
  h.writeUInt32BE(text.length, 4);
  return Buffer.concat([h, text]);
}

/** POST /containers/{id}/attach: stdin/stdout/stderr as asked, logs first with logs=1. */
export const containerAttach = hijackEndpoint(
  { query: { detachKeys: q.string({ maxLength: 64 }), logs: q.bool(), stream: q.bool(), stdin: q.bool(), stdout: q.bool(), stderr: q.bool() } },
  async (ctx, { query }, socket, head) => {
    const svc = containersOf(ctx);
    const r = svc.inspect(ctx.params.id!);
    const tty = r.options.tty ?? false;
    const keys = parseDetachKeys(query.detachKeys ?? "ctrl-p,ctrl-q");
    const detachKeys = tty ? keys : [];
    let before: Uint8Array | undefined;
    if (query.logs) {
      const parts: Uint8Array[] = [];
      for await (const e of svc.logs(r.id, { stdout: query.stdout, stderr: query.stderr }))
        parts.push(...(tty ? [e.line] : [frameHeader(e.stream === "stdout" ? 1 : 2, e.line.byteLength), e.line]));
      before = Buffer.concat(parts);
    }
    if (!query.stream) {
      socket.write(UPGRADED);
      socket.end(before ?? new Uint8Array(0));
      return;
    }
    // a container not yet started is attached when it starts (docker run attaches, then starts)
    const abort = new AbortController();
    socket.on("close", () => abort.abort());
    const monitor = svc.attach(r.id, { stdin: query.stdin, stdout: query.stdout, stderr: query.stderr, multiplex: !tty }, abort.signal);
    splice(socket, monitor, { head, detachKeys, before });
  },
);
