import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdirSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { SkiffError } from "../common/errors.ts";
import { encodeFrame, FrameDecoder, hijack, queryString, STDERR, STDOUT } from "./hijack-client.ts";
import { FRAME_PROPERTIES } from "./hijack-client.fuzz.ts";

const dir = `/tmp/skiff-test-${process.pid}/hijack-client`;
const servers: Server[] = [];
const sockets: Socket[] = [];

beforeAll(() => mkdirSync(dir, { recursive: true }));
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** A daemon on its own socket: `answer` gets the request head (as text) and the socket. */
async function daemon(name: string, answer: (head: string, socket: Socket, body: Buffer) => void): Promise<string> {
  const path = `${dir}/${name}.sock`;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const head = buf.subarray(0, end).toString();
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      answer(head, socket, buf.subarray(end + 4, end + 4 + length));
    };
    socket.on("data", onData);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(path, r));
  return path;
}

const text = async (it: AsyncIterable<Uint8Array>) => {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
};

test("the request asks for the upgrade docker's way, and bytes flow both ways with half-close", async () => {
  let head = "";
  const path = await daemon("echo", (h, socket) => {
    head = h;
    // the head and the first output in one packet: nothing may be lost after the head
    socket.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nready\n");
    let got = "";
    socket.on("data", (d) => (got += d));
    // stdin's end reaches the daemon while its side stays open for more output
    socket.on("end", () => {
      socket.write(`stdin was ${JSON.stringify(got)}\n`);
      setTimeout(() => socket.end("bye\n"), 20);
    });
  });
  const s = await hijack(path, { path: "/containers/abc/attach", query: { stream: true, stdin: true, stdout: true, stderr: false, detachKeys: "" } });
  expect(head).toStartWith("POST /v1.41/containers/abc/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\n");
  expect(head).toContain("\r\nConnection: Upgrade\r\n");
  expect(head).toContain("\r\nUpgrade: tcp");
  expect(head).toContain("\r\nContent-Type: text/plain\r\n");
  await s.write("hello ");
  await s.write(new TextEncoder().encode("world"));
  s.closeWrite();
  expect(await text(s.output)).toBe('ready\nstdin was "hello world"\nbye\n');
  s.close();
});

test("megabytes both ways, more than the socket takes at once: every byte arrives, in order", async () => {
  const size = 8 << 20;
  const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
  const sent = pattern(size, 7);
  const out = pattern(size, 3);
  let received = 0;
  let inOrder = true;
  const path = await daemon("bulk", (_h, socket) => {
    socket.write("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    // a slow reader at first: the client's writes must wait for it (back-pressure), not be lost
    socket.pause();
    setTimeout(() => socket.resume(), 100);
    socket.on("data", (d: Buffer) => {
      for (let i = 0; i < d.length && inOrder; i++) inOrder = d[i] === sent[received + i];
      received += d.length;
    });
    socket.on("end", () => socket.end(out));
  });
  const s = await hijack(path, { path: "/containers/bulk/attach" });
  // written in pieces of several sizes, without waiting for one to finish before the next
  const writes: Promise<void>[] = [];
  for (let at = 0, step = 1; at < size; at += step, step = Math.min(step * 3, 1 << 20)) writes.push(s.write(sent.subarray(at, Math.min(size, at + step))));
  await Promise.all(writes);
  s.closeWrite();
  const got: Uint8Array[] = [];
  for await (const c of s.output) got.push(c);
  s.close();
  expect(received).toBe(size);
  expect(inOrder).toBe(true);
  expect(Buffer.compare(Buffer.concat(got), Buffer.from(out))).toBe(0);
});

test("exec start sends its JSON body with the upgrade", async () => {
  let body = "";
  const path = await daemon("exec", (h, socket, b) => {
    body = `${/content-type: ([^\r]+)/i.exec(h)?.[1]} ${b.toString()}`;
    socket.end("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
  });
  const s = await hijack(path, { path: "/exec/e1/start", body: { Detach: false, Tty: true } });
  expect(await text(s.output)).toBe("");
  expect(body).toBe('application/json {"Detach":false,"Tty":true}');
});

test("an error answer is the daemon's error: message, code, layer, hint and status", async () => {
  const message = JSON.stringify({ message: "No such container: nope", code: "ENGINE_CONTAINER_NOT_FOUND", layer: "engine", hint: "see skiff ps -a" });
  const plain = await daemon("404", (_h, socket) => socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${message.length}\r\n\r\n${message}`));
  const e = (await hijack(plain, { path: "/containers/nope/attach" }).catch((x) => x)) as SkiffError;
  expect(e).toBeInstanceOf(SkiffError);
  expect([e.message, e.code, e.layer, e.hint, e.details.status]).toEqual(["No such container: nope", "ENGINE_CONTAINER_NOT_FOUND", "engine", "see skiff ps -a", 404]);
  // chunked, and a connection the daemon keeps open: the body's end is the last chunk
  const chunked = await daemon("409", (_h, socket) =>
    socket.write(`HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n${(20).toString(16)}\r\n${'{"message":"paused"}'}\r\n0\r\n\r\n`),
  );
  const c = (await hijack(chunked, { path: "/containers/p/attach" }).catch((x) => x)) as SkiffError;
  expect([c.message, c.kind, c.details.status]).toEqual(["paused", "conflict", 409]);
});

test("no daemon, a daemon that hangs up, and one that is not HTTP: each a clear error", async () => {
  const none = (await hijack(`${dir}/none.sock`, { path: "/x" }).catch((x) => x)) as SkiffError;
  expect([none.code, none.layer]).toEqual(["CLI_DAEMON_UNREACHABLE", "cli"]);
  const hangup = await daemon("hangup", (_h, socket) => socket.destroy());
  const lost = (await hijack(hangup, { path: "/x" }).catch((x) => x)) as SkiffError;
  expect(lost.code).toBe("CLI_DAEMON_CONNECTION_LOST");
  const garbage = await daemon("garbage", (_h, socket) => socket.end("SSH-2.0-OpenSSH\r\n\r\n"));
  const bad = (await hijack(garbage, { path: "/x" }).catch((x) => x)) as SkiffError;
  expect([bad.code, bad.layer]).toEqual(["API_HIJACK_INVALID", "api"]);
  expect(bad.hint).toBeTruthy();
});

test("queryString leaves out what is unset and writes true as 1, as ApiClient does", () => {
  expect(queryString({ a: true, b: false, c: undefined, d: "", e: 0, f: "x y" })).toBe("?a=1&e=0&f=x+y");
  expect(queryString({})).toBe("");
});

test("frames: the header is stream, three zero bytes, big-endian length", () => {
  expect([...encodeFrame(STDERR, "hi")]).toEqual([2, 0, 0, 0, 0, 0, 0, 2, 104, 105]);
  expect([...encodeFrame(STDOUT, new Uint8Array(300)).subarray(0, 8)]).toEqual([1, 0, 0, 0, 0, 0, 1, 44]);
});

test("a bad header or a frame cut short is API_STREAM_INVALID", () => {
  expect(() => new FrameDecoder().push(new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/stream byte 3/);
  expect(() => new FrameDecoder().push(new Uint8Array([1, 0, 1, 0, 0, 0, 0, 0]))).toThrow(/padding 0,1,0/);
  const d = new FrameDecoder();
  d.push(encodeFrame(STDOUT, "abc").subarray(0, 9));
  expect(() => d.end()).toThrow(/ended inside a frame/);
  // raw text (a tty's stream read as framed) is refused at once
  expect(() => new FrameDecoder().push(new TextEncoder().encode("hello world\n"))).toThrow(SkiffError);
});

for (const [name, property] of Object.entries(FRAME_PROPERTIES)) test(`frames: ${name} (property, seeded; scripts/fuzz.ts runs it long)`, () => fc.assert(property(), { seed: 10, numRuns: 500 }), 30_000);

test("a reset after the daemon's end of the stream (our stdin still being written) leaves the output whole and ends it", async () => {
  // dockerd resets the connection when a container exits with its stdin unread (moby#38745): the
  // output had ended, and skiff reported the daemon gone
  const path = await daemon("reset-after-end", (_h, socket) => {
    socket.pause(); // stdin stays unread: the close below resets the connection
    socket.write("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nall of it\n");
    socket.end();
    setTimeout(() => socket.destroy(), 100);
  });
  const s = await hijack(path, { path: "/containers/x/attach" });
  const writing = (async () => {
    for (let i = 0; i < 200; i++) await s.write(new Uint8Array(64 << 10));
  })();
  await Bun.sleep(400); // the reset has come by now
  expect(await text(s.output)).toBe("all of it\n");
  await writing;
  s.close();
});
