// Upload progress of pushBlob: the body's bytes counted as they are pulled, reports paced by a
// clock (a fake transport that reads bodies piece by piece, the clock advanced per piece), and a
// real fetch through RegistryTransport to a small server: the body arrives whole with its
// Content-Length, and a 401 that renews authorization sends a fresh body.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { countingStream, mountAttempts, pushBlob, UPLOAD_PIECE_BYTES, UPLOAD_PROGRESS_INTERVAL_MS, type PushProgress } from "./blob-push.ts";
import type { BlobProgress } from "./progress.ts";
import { RegistryTransport, type RegistryRequest } from "./transport.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
const descOf = (b: Uint8Array): Descriptor => ({ mediaType: "application/octet-stream", digest: digestBytes(b), size: b.byteLength });

async function drain(s: ReadableStream<Uint8Array>, each: (chunk: Uint8Array) => void = () => {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of s) {
    each(c);
    parts.push(c);
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

test("countingStream hands the blob out in pieces and counts each as it is pulled", async () => {
  const data = bytes(3 * UPLOAD_PIECE_BYTES + 1000);
  const counts: number[] = [];
  const sizes: number[] = [];
  const out = await drain(
    countingStream(new Blob([data]), (n) => counts.push(n)),
    (c) => sizes.push(c.byteLength),
  );
  expect(out).toEqual(data);
  // At most a piece at a time (a Blob's own stream starts with a smaller chunk), each counted.
  expect(sizes.every((n) => n > 0 && n <= UPLOAD_PIECE_BYTES)).toBe(true);
  expect(sizes.length).toBeGreaterThanOrEqual(4);
  expect(counts).toEqual(sizes.map((_, i) => sizes.slice(0, i + 1).reduce((a, b) => a + b)));
  expect(counts.at(-1)).toBe(data.byteLength);
  // Pulled, not read ahead: nothing is counted before the consumer asks.
  const lazy: number[] = [];
  const s = countingStream(new Blob([data]), (n) => lazy.push(n));
  await Bun.sleep(5);
  expect(lazy).toEqual([]);
  const reader = s.getReader();
  await reader.read();
  await Bun.sleep(5);
  expect(lazy).toEqual([sizes[0]!]);
  await reader.cancel();
});

/** A Response as fetch gives it: with the URL it answers (Locations resolve against it). */
const answer = (url: string, status: number, headers: Record<string, string> = {}) => Object.defineProperty(new Response(null, { status, headers }), "url", { value: new URL(url, "http://fake.test").toString() });

/** A registry in memory that reads each body piece by piece, the clock moving `msPerPiece` per piece. */
function fakeTransport(clock: { t: number }, msPerPiece: number) {
  const received: { method: string; range?: string; length?: string; body: Uint8Array }[] = [];
  const t = {
    domain: "fake.test",
    insecure: false,
    hop: RegistryTransport.prototype.hop,
    retryPolicy: { tries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    async request(req: RegistryRequest): Promise<Response> {
      const location = { location: "http://fake.test/v2/r/blobs/uploads/u1" };
      if (req.method === "HEAD") return answer(req.url, 404);
      if (req.method === "POST") return answer(req.url, 202, location);
      const source = typeof req.body === "function" ? req.body() : new Blob(req.body === undefined ? [] : [req.body]).stream();
      const body = await drain(source, () => (clock.t += msPerPiece));
      received.push({ method: req.method, range: req.headers?.["content-range"], length: req.headers?.["content-length"], body });
      return req.method === "PATCH" ? answer(req.url, 202, location) : answer(req.url, 201);
    },
  };
  return { transport: t as unknown as RegistryTransport, received };
}

describe("upload progress", () => {
  const data = bytes(16 * UPLOAD_PIECE_BYTES);
  const desc = descOf(data);

  /** The reports with the clock's time when each was made. */
  const recorder = (clock: { t: number }) => {
    const events: (BlobProgress & { at: number })[] = [];
    return { events, onProgress: (e: BlobProgress) => events.push({ ...e, at: clock.t }), now: () => clock.t };
  };

  /** Intermediate reports are 100 ms (3 or 4 pieces of 30 ms) apart; the end is always reported. */
  const expectPaced = (events: (BlobProgress & { at: number })[], ends: number[]) => {
    const up = events.filter((e) => e.status === "uploading");
    expect(up[0]!.done).toBe(0);
    expect(up.at(-1)!.done).toBe(data.byteLength);
    expect(up.map((e) => e.done)).toEqual(up.map((e) => e.done).sort((a, b) => a - b));
    expect(new Set(up.map((e) => e.done)).size).toBe(up.length);
    for (const end of ends) expect(up.map((e) => e.done)).toContain(end);
    for (let i = 1; i < up.length; i++) {
      if (ends.includes(up[i]!.done)) continue;
      expect(up[i]!.at - up[i - 1]!.at).toBeGreaterThanOrEqual(UPLOAD_PROGRESS_INTERVAL_MS);
      expect(up[i]!.at - up[i - 1]!.at).toBeLessThanOrEqual(UPLOAD_PROGRESS_INTERVAL_MS + 30);
    }
    expect(events.at(-1)!.status).toBe("complete");
    expect(events.every((e) => e.total === data.byteLength && e.digest === desc.digest)).toBe(true);
    return up;
  };

  test("a monolithic PUT reports the bytes pulled, at most every interval, and the whole at the end", async () => {
    const clock = { t: 0 };
    const { transport, received } = fakeTransport(clock, 30);
    const r = recorder(clock);
    expect(await pushBlob(transport, "r", desc, data, r)).toBe("uploaded");
    expect(received.map((x) => [x.method, x.length])).toEqual([["PUT", String(data.byteLength)]]);
    expect(received[0]!.body).toEqual(data);
    // 16 or 17 pieces of 30 ms: a report every 100 ms, 3 or 4 of them part-way.
    const up = expectPaced(r.events, [data.byteLength]);
    expect(up.length).toBeGreaterThanOrEqual(5);
    expect(up.length).toBeLessThanOrEqual(6);
  });

  test("chunked PATCHes count on from each chunk's offset; every chunk's end is reported", async () => {
    const clock = { t: 0 };
    const { transport, received } = fakeTransport(clock, 30);
    const r = recorder(clock);
    const chunk = 5 * UPLOAD_PIECE_BYTES + 100;
    await pushBlob(transport, "r", desc, data, { chunkSize: chunk, ...r });
    expect(received.map((x) => [x.method, x.range])).toEqual([
      ["PATCH", `0-${chunk - 1}`],
      ["PATCH", `${chunk}-${2 * chunk - 1}`],
      ["PATCH", `${2 * chunk}-${3 * chunk - 1}`],
      ["PATCH", `${3 * chunk}-${data.byteLength - 1}`],
      ["PUT", undefined],
    ]);
    expect(new Uint8Array(await new Blob(received.map((x) => x.body)).arrayBuffer())).toEqual(data);
    const up = expectPaced(r.events, [chunk, 2 * chunk, 3 * chunk, data.byteLength]);
    expect(up.some((e) => e.done > 0 && e.done < chunk)).toBe(true); // part-way through the first chunk
  });
});

describe("through fetch", () => {
  let server: Server<undefined>;
  const puts: { length: string | null; auth: string | null; body: Uint8Array }[] = [];
  let refuseFirst = false;
  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const url = new URL(req.url);
        if (url.pathname === "/v2/") return new Response("{}");
        if (req.method === "HEAD") return new Response(null, { status: 404 });
        if (req.method === "POST") return new Response(null, { status: 202, headers: { location: `/v2/r/blobs/uploads/u${puts.length}` } });
        const body = new Uint8Array(await req.arrayBuffer());
        puts.push({ length: req.headers.get("content-length"), auth: req.headers.get("authorization"), body });
        if (refuseFirst && puts.length === 1) return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="test"' } });
        return new Response(null, { status: 201, headers: { "docker-content-digest": url.searchParams.get("digest") ?? "" } });
      },
    });
  });
  afterAll(() => server?.stop(true));

  test("the counted stream goes out whole with its Content-Length; a 401 that renews authorization sends it again", async () => {
    const data = bytes(3_000_000);
    const desc = descOf(data);
    const transport = () => new RegistryTransport({ domain: `127.0.0.1:${server.port}`, credentials: { username: "u", password: "p" } });
    const events: BlobProgress[] = [];
    expect(await pushBlob(transport(), "r", desc, data, { onProgress: (e) => events.push(e) })).toBe("uploaded");
    expect(puts).toHaveLength(1);
    expect(puts[0]!.length).toBe(String(data.byteLength));
    expect(puts[0]!.body).toEqual(data);
    expect(events.filter((e) => e.status === "uploading").at(-1)!.done).toBe(data.byteLength);

    puts.length = 0;
    refuseFirst = true;
    expect(await pushBlob(transport(), "r", desc, data)).toBe("uploaded");
    expect(puts.map((p) => [p.length, p.auth !== null, p.body.byteLength])).toEqual([
      [String(data.byteLength), false, data.byteLength],
      [String(data.byteLength), true, data.byteLength],
    ]);
    expect(puts[1]!.body).toEqual(data);
  });
});

describe("cross-repository mounts", () => {
  type Seen = { method: string; url: string; scopes: readonly string[] };
  /** A registry in memory answering each mount POST by its `from` repository: 201, 202 (a session named after it), a status, or a thrown error. */
  function mountTransport(answers: Record<string, number | Error>) {
    const seen: Seen[] = [];
    const t = {
      domain: "fake.test",
      insecure: false,
      hop: RegistryTransport.prototype.hop,
      retryPolicy: { tries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      async request(req: RegistryRequest): Promise<Response> {
        seen.push({ method: req.method, url: req.url, scopes: req.scopes });
        if (req.method === "HEAD") return answer(req.url, 404);
        if (req.method === "DELETE") return answer(req.url, 204);
        if (req.method === "POST") {
          const from = new URL(req.url, "http://fake.test").searchParams.get("from");
          if (from === null) return answer(req.url, 202, { location: "/v2/r/blobs/uploads/plain" });
          const a = answers[from] ?? 404;
          if (a instanceof Error) throw a;
          return answer(req.url, a, a === 202 ? { location: `/v2/r/blobs/uploads/from-${from.replace("/", "-")}` } : {});
        }
        if (typeof req.body === "function") await drain(req.body());
        return answer(req.url, req.method === "PATCH" ? 202 : 201, req.method === "PATCH" ? { location: req.url } : {});
      },
    };
    return { transport: t as unknown as RegistryTransport, seen };
  }
  const big = bytes(200 * 1024);
  const desc = descOf(big);
  const mountOf = (s: Seen) => new URL(s.url, "http://fake.test").searchParams.get("from");

  test("201 mounts from the first repository that holds the blob, asking for pull on it and pull,push on the target; nothing is uploaded", async () => {
    const { transport, seen } = mountTransport({ "library/busybox": 201 });
    const events: PushProgress[] = [];
    expect(await pushBlob(transport, "r", desc, big, { mountFrom: ["library/busybox"], onProgress: (e) => events.push(e) })).toBe("mounted");
    expect(seen.map((s) => s.method)).toEqual(["HEAD", "POST"]);
    expect(seen[1]!.url).toBe(`/v2/r/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=library%2Fbusybox`);
    expect([...seen[1]!.scopes].sort()).toEqual(["repository:library/busybox:pull", "repository:r:pull,push"]);
    expect(events).toEqual([{ digest: desc.digest, status: "mounted", done: desc.size, total: desc.size, from: "library/busybox" }]);
  });

  test("a refused mount moves on to the next repository; a session opened instead is used for the upload, an earlier one cancelled", async () => {
    const { transport, seen } = mountTransport({ "a/denied": 403, "b/gone": new Error("connection reset"), "c/other": 202, "d/also": 202, "e/holds": 201 });
    expect(await pushBlob(transport, "r", desc, big, { mountFrom: ["a/denied", "b/gone", "c/other"] })).toBe("uploaded");
    expect(seen.map((s) => [s.method, mountOf(s) ?? s.url.replace(/\?.*/, "")])).toEqual([
      ["HEAD", "/v2/r/blobs/" + desc.digest],
      ["POST", "a/denied"],
      ["POST", "b/gone"],
      ["POST", "c/other"],
      ["PUT", "http://fake.test/v2/r/blobs/uploads/from-c-other"],
    ]);
    // the target's scopes only, once the session is open
    expect(seen.at(-1)!.scopes).toEqual(["repository:r:pull,push"]);

    seen.length = 0;
    expect(await pushBlob(transport, "r", desc, big, { mountFrom: ["c/other", "d/also"], chunkSize: 64 * 1024 })).toBe("uploaded");
    expect(seen.map((s) => [s.method, mountOf(s) ?? s.url.replace(/\?.*/, "")])).toEqual([
      ["HEAD", "/v2/r/blobs/" + desc.digest],
      ["POST", "c/other"],
      ["POST", "d/also"],
      ["DELETE", "http://fake.test/v2/r/blobs/uploads/from-c-other"],
      ["PATCH", "http://fake.test/v2/r/blobs/uploads/from-d-also"],
      ["PATCH", "http://fake.test/v2/r/blobs/uploads/from-d-also"],
      ["PATCH", "http://fake.test/v2/r/blobs/uploads/from-d-also"],
      ["PATCH", "http://fake.test/v2/r/blobs/uploads/from-d-also"],
      ["PUT", "http://fake.test/v2/r/blobs/uploads/from-d-also"],
    ]);

    seen.length = 0;
    expect(await pushBlob(transport, "r", desc, big, { mountFrom: ["a/denied", "c/other", "e/holds"] })).toBe("mounted");
    expect(seen.map((s) => [s.method, mountOf(s)])).toEqual([["HEAD", null], ["POST", "a/denied"], ["POST", "c/other"], ["POST", "e/holds"], ["DELETE", null]]);
  });

  test("no repository works: a plain upload session; the target itself and repeats are not tried", async () => {
    const { transport, seen } = mountTransport({ "a/denied": 401, r: 201 });
    expect(await pushBlob(transport, "r", desc, big, { mountFrom: ["r", "a/denied", "a/denied"] })).toBe("uploaded");
    expect(seen.map((s) => [s.method, mountOf(s) ?? s.url.replace(/\?.*/, "")])).toEqual([
      ["HEAD", "/v2/r/blobs/" + desc.digest],
      ["POST", "a/denied"],
      ["POST", "/v2/r/blobs/uploads/"],
      ["PUT", "http://fake.test/v2/r/blobs/uploads/plain"],
    ]);
  });

  test("a few repositories are tried, fewer for small blobs (as docker)", async () => {
    expect([1, 100 * 1024, 100 * 1024 + 1, 10 << 20, (10 << 20) + 1].map(mountAttempts)).toEqual([1, 1, 3, 3, 4]);
    const { transport, seen } = mountTransport({});
    const small = bytes(1000);
    await pushBlob(transport, "r", descOf(small), small, { mountFrom: ["a/1", "a/2", "a/3"] });
    expect(seen.filter((s) => mountOf(s)).map(mountOf)).toEqual(["a/1"]);
    seen.length = 0;
    await pushBlob(transport, "r", desc, big, { mountFrom: ["a/1", "a/2", "a/3", "a/4", "a/5"] });
    expect(seen.filter((s) => mountOf(s)).map(mountOf)).toEqual(["a/1", "a/2", "a/3"]);
  });

  test("an abort during a mount is not taken for a refused mount", async () => {
    const ctl = new AbortController();
    const { transport } = mountTransport({ "a/slow": Object.assign(new Error("aborted"), { name: "AbortError" }) });
    ctl.abort(new Error("stop"));
    const e = await pushBlob(transport, "r", desc, big, { mountFrom: ["a/slow"], signal: ctl.signal }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toBe("aborted");
  });
});
