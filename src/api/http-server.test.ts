// The HTTP layer under the API: ordinary requests as Web Request/Response (bodies streamed both
// ways, a client that leaves cancels the answer), and docker's hijack: `Upgrade: tcp` hands the
// socket to the upgrade handler, which answers 101 and then speaks raw bytes, half-close included.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { listenHttp, type HttpServer } from "./http-server.ts";

const dir = `/tmp/skiff-test-${process.pid}/http-server`;
const sock = `${dir}/http.sock`;
let server: HttpServer;
let cancelled = 0;

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  server = await listenHttp({
    socketPath: sock,
    async handle(req) {
      const path = new URL(req.url).pathname;
      if (path === "/echo") return new Response(await req.arrayBuffer(), { headers: { "x-len": String(Number(req.headers.get("content-length"))) } });
      if (path === "/endless") {
        let open = true;
        const more = (c: ReadableStreamDefaultController<Uint8Array>) => new Promise<void>((r) => setTimeout(() => r(open ? c.enqueue(new Uint8Array(1024)) : undefined), 5));
        return new Response(new ReadableStream({ pull: more, cancel: () => void ((open = false), cancelled++) }));
      }
      return new Response("no", { status: 404 });
    },
    upgrade(req, socket, head) {
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nX-Path: ${new URL(req.url).pathname}\r\n\r\n`);
      if (head.length) socket.write(Buffer.concat([Buffer.from("head:"), head]));
      socket.on("data", (d: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), d])));
      // the client closed its side (stdin ended): answer, then close ours
      socket.on("end", () => socket.end("bye"));
    },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a request body streams in and the answer streams out", async () => {
  const body = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
  const res = await fetch("http://x/echo", { method: "POST", body, unix: sock } as RequestInit);
  expect(res.status).toBe(200);
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
});

test("a client that goes away cancels the answer's stream", async () => {
  const s = connect(sock);
  s.write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
  await new Promise((r) => s.once("data", r));
  s.destroy();
  for (let i = 0; i < 100 && !cancelled; i++) await Bun.sleep(10);
  expect(cancelled).toBe(1);
});

/** Sends a hijack request and collects everything until the server closes. */
function hijack(extra = ""): { socket: Socket; all: Promise<string>; head: Promise<string> } {
  const socket = connect(sock);
  let got = "";
  let headResolve!: (s: string) => void;
  const head = new Promise<string>((r) => (headResolve = r));
  const all = new Promise<string>((resolve) => {
    socket.on("data", (d) => {
      got += d.toString();
      if (got.includes("\r\n\r\n")) headResolve(got.slice(0, got.indexOf("\r\n\r\n")));
    });
    socket.on("end", () => resolve(got));
  });
  socket.write(`POST /v1.41/containers/c1/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n${extra}`);
  return { socket, all, head };
}

test("Upgrade: tcp gives the socket to the upgrade handler: 101, raw bytes both ways, half-close", async () => {
  const h = hijack();
  expect(await h.head).toStartWith("HTTP/1.1 101 UPGRADED\r\n");
  h.socket.write("hello");
  await Bun.sleep(30);
  h.socket.end(); // stdin closed; the server still answers
  const all = await h.all;
  expect(all.slice(all.indexOf("\r\n\r\n") + 4)).toBe("echo:hellobye");
  expect(all).toContain("X-Path: /v1.41/containers/c1/attach");
});

test("bytes sent right behind the request head reach the handler as its head", async () => {
  const h = hijack("early");
  h.socket.end();
  const all = await h.all;
  expect(all.slice(all.indexOf("\r\n\r\n") + 4)).toBe("head:earlybye");
});

test("an upgrade to anything but tcp is refused; malformed HTTP gets a 400, not a crash", async () => {
  const ask = (text: string) =>
    new Promise<string>((resolve) => {
      const s = connect(sock);
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("close", () => resolve(got));
      s.write(text);
    });
  expect(await ask("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")).toStartWith("HTTP/1.1 400 Bad Request");
  expect(await ask("\x00\x01garbage\r\n\r\n")).toStartWith("HTTP/1.1 400 Bad Request");
  const res = await fetch("http://x/echo", { method: "POST", body: "ok", unix: sock } as RequestInit);
  expect(await res.text()).toBe("ok");
});
