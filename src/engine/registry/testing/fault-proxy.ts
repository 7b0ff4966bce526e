// Test fixture: an HTTP proxy (node:http on 127.0.0.1) in front of a registry that records every
// request and lets a test answer any of them itself: tamper with a blob, cut it short, drop the
// connection mid-body, answer 500, demand a token. Location headers are rewritten to point at the
// proxy. node:http rather than Bun.serve because it can destroy a socket in the middle of a body.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface SeenRequest {
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

/** An answer that sends the headers and `keep` bytes of `bytes`, then resets the connection. */
export class Dropped {
  constructor(
    readonly bytes: Uint8Array,
    readonly keep: number,
    readonly headers: Headers,
  ) {}
}

/** An answer that sends the headers and `keep` bytes of `bytes`, then nothing: the connection stays
 * open and silent (a registry that stopped mid-transfer) until the client gives up or stop(). */
export class Stalled {
  constructor(
    readonly bytes: Uint8Array,
    readonly keep: number,
    readonly headers: Headers,
  ) {}
}

/** Answers a request itself, or returns undefined to forward it; a promise that never settles is a registry that never answers. */
export type Hook = (req: Request, url: URL, forward: () => Promise<Response>) => Response | Dropped | Stalled | undefined | Promise<Response | Dropped | Stalled | undefined>;

export interface FaultProxy {
  url: string;
  domain: string;
  requests: SeenRequest[];
  hook: Hook | undefined;
  stop(): Promise<void>;
}

export async function startProxy(upstream: string, hook?: Hook): Promise<FaultProxy> {
  const server = createServer((inc, out) => {
    handle(inc, out).catch((e) => {
      out.statusCode = 502;
      out.end(String(e));
    });
  });
  const proxy: FaultProxy = {
    url: "",
    domain: "",
    requests: [],
    hook,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  async function handle(inc: IncomingMessage, out: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of inc) chunks.push(c as Buffer);
    const url = new URL(inc.url ?? "/", proxy.url);
    const headers = new Headers();
    for (const [k, v] of Object.entries(inc.headers)) if (typeof v === "string") headers.set(k, v);
    const method = inc.method ?? "GET";
    const req = new Request(url.toString(), { method, headers, body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks) });
    proxy.requests.push({ method, path: url.pathname + url.search, range: headers.get("range"), authorization: headers.get("authorization") });
    const forward = () => forwardTo(upstream, proxy.url, req.clone() as unknown as Request, url);
    const answer = (await proxy.hook?.(req, url, forward)) ?? (await forward());
    if (answer instanceof Dropped) {
      out.writeHead(200, { ...Object.fromEntries(answer.headers), "content-length": String(answer.bytes.byteLength) });
      out.write(answer.bytes.subarray(0, answer.keep));
      setTimeout(() => out.socket?.destroy(), 10);
      return;
    }
    if (answer instanceof Stalled) {
      out.writeHead(200, { ...Object.fromEntries(answer.headers), "content-length": String(answer.bytes.byteLength) });
      out.flushHeaders();
      if (answer.keep) out.write(answer.bytes.subarray(0, answer.keep));
      return;
    }
    const body = method === "HEAD" ? undefined : new Uint8Array(await answer.arrayBuffer());
    const h = Object.fromEntries(answer.headers);
    delete h["transfer-encoding"];
    if (body) h["content-length"] = String(body.byteLength);
    out.writeHead(answer.status, h);
    out.end(body);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.domain = `127.0.0.1:${port}`;
  return proxy;
}

async function forwardTo(upstream: string, self: string, req: Request, url: URL): Promise<Response> {
  const headers = new Headers(req.headers);
  headers.delete("host");
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
  const res = await fetch(upstream + url.pathname + url.search, { method: req.method, headers, body, redirect: "manual" });
  const out = new Headers(res.headers);
  const loc = out.get("location");
  if (loc) out.set("location", loc.replace(upstream, self));
  return new Response(req.method === "HEAD" ? null : await res.arrayBuffer(), { status: res.status, statusText: res.statusText, headers: out });
}

/** The forwarded response's body, all of it. */
export const bodyOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());
