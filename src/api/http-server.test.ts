// The HTTP layer under the API: ordinary requests as Web Request/Response (bodies streamed both
// ways, a client that leaves cancels the answer), and docker's hijack: `Upgrade: tcp` hands the
// socket to the upgrade handler, which answers 101 and then speaks raw bytes, half-close included.
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
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
      if (path === "/nothing") return new Response("no", { status: 404 });
      return new Response("no", { status: 404 });
    },
    upgrade(req, socket, head) {
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nX-Path: ${new URL(req.url).pathname}\r\n\r\n`);
      if (head.length) socket.write(Buffer.concat([Buffer.from("head:"), head]));
      socket.on("data", (d: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), d])));
      socket.resume(); // handed over paused
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

/** Sends `text` (in pieces, with a pause between) and collects everything until the server closes. */
function ask(...pieces: string[]): Promise<string> {
  return new Promise<string>((resolve) => {
    const s = connect(sock);
    let got = "";
    s.on("data", (d) => (got += d));
    s.on("close", () => resolve(got));
    void (async () => {
      for (const p of pieces) {
        s.write(p);
        await Bun.sleep(20);
      }
    })();
  });
}

test("an upgrade to anything but tcp is answered as a plain request (RFC 9110 §7.8); malformed HTTP gets a 400, not a crash", async () => {
  expect(await ask("GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n")).toStartWith("HTTP/1.1 404 Not Found\r\n");
  expect(await ask("\x00\x01garbage\r\n\r\n")).toStartWith("HTTP/1.1 400 Bad Request");
  expect(await ask("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello")).toStartWith("HTTP/1.1 400 Bad Request");
  expect(await ask(`GET / HTTP/1.1\r\nX: ${"a".repeat(300 * 1024)}\r\n\r\n`)).toStartWith("HTTP/1.1 431 Request Header Fields Too Large");
  expect(await ask("GET / HTTP/3.0\r\n\r\n")).toStartWith("HTTP/1.1 505 ");
  const res = await fetch("http://x/echo", { method: "POST", body: "ok", unix: sock } as RequestInit);
  expect(await res.text()).toBe("ok");
});

test("one connection: requests one after the other and pipelined, chunked bodies, a body left unread, then HTTP/1.0's close", async () => {
  const got = await ask(
    "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n",
    "1;x=y\r\nf\r\n0\r\n\r\n",
    // /nothing answers without reading its body: the rest is dropped and the next request found
    "POST /nothing HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345",
    "67890\r\nGET /nothing HTTP/1.0\r\n\r\n",
  );
  const answers = got.split(/(?=HTTP\/1\.[01] )/);
  expect(answers.map((a) => a.slice(0, 15))).toEqual(["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 404 No", "HTTP/1.0 404 No"]);
  expect(answers[0]).toEndWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  expect(answers[0]).toContain("X-Len: 3\r\n");
  expect(answers[1]).toContain("X-Len: 0\r\n");
  expect(answers[1]).toEndWith("\r\n\r\n3\r\ndef\r\n0\r\n\r\n");
  expect(answers[3]).toContain("Connection: close\r\n");
});

test("Expect: 100-continue is answered when the handler reads the body", async () => {
  const got = await ask("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", "ok");
  expect(got).toStartWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n");
});

test("an upgrade request's body written apart from its head reaches the handler whole", async () => {
  const s = connect(sock);
  let got = "";
  s.on("data", (d) => (got += d));
  const closed = new Promise((r) => s.on("close", r));
  s.write("POST /v1.41/exec/e1/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 11\r\n\r\n{\"Tty\":");
  await Bun.sleep(30);
  s.write("true}");
  await Bun.sleep(30);
  s.end();
  await closed;
  expect(got.slice(got.indexOf("\r\n\r\n") + 4)).toBe('head:{"Tty":true}bye');
});

test("a client that hangs up in the middle of its request's body leaves the server serving", async () => {
  const s = connect(sock);
  s.write("POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nhalf");
  await Bun.sleep(30);
  s.destroy();
  const res = await fetch("http://x/echo", { method: "POST", body: "still", unix: sock } as RequestInit);
  expect(await res.text()).toBe("still");
});

test("any bytes on a connection (property, seeded): the server answers or closes, and serves the next client", async () => {
  const piece = fc.oneof(
    fc.string({ unit: "binary-ascii", maxLength: 60 }),
    fc.constantFrom("GET /echo HTTP/1.1\r\n", "POST /echo HTTP/1.1\r\n", "Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n", "Connection: Upgrade\r\nUpgrade: tcp\r\n", "Expect: 100-continue\r\n", "\r\n", "3\r\nabc\r\n", "0\r\n\r\n", "zz\r\n"),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
      const s = connect(sock);
      s.on("error", () => {});
      const closed = new Promise((r) => s.on("close", r));
      s.on("data", () => {});
      for (const p of pieces) s.write(Buffer.from(p, "latin1"));
      await Promise.race([closed, Bun.sleep(40)]);
      s.destroy();
    }),
    { seed: 12, numRuns: 80 },
  );
  const res = await fetch("http://x/echo", { method: "POST", body: "alive", unix: sock } as RequestInit);
  expect(await res.text()).toBe("alive");
}, 30_000);
