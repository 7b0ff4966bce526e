// A small HTTP/1.0 load client for bench/networks.ts: one TCP connection per request (busybox httpd
// closes each), `concurrency` of them at a time, until `requests` have been made; each response's
// status and body length are checked. Latency is from the connect to the server's close.
import { connect } from "node:net";

export interface LoadOptions {
  port: number;
  path: string;
  requests: number;
  concurrency: number;
  /** The body's length in bytes a good response has. */
  bodyBytes: number;
  timeoutMs?: number;
}

export interface LoadResult {
  /** Wall time of the whole batch, in seconds. */
  seconds: number;
  /** Of each good request, in milliseconds. */
  latencies: number[];
  /** The first few failures (status, length, connection errors) and how many there were. */
  errors: string[];
  failed: number;
}

/** One GET; resolves with the latency in ms, or rejects with what was wrong. */
function get(o: LoadOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    const socket = connect({ host: "127.0.0.1", port: o.port });
    socket.setTimeout(o.timeoutMs ?? 10_000, () => socket.destroy(new Error(`no answer in ${o.timeoutMs ?? 10_000} ms`)));
    socket.on("connect", () => socket.end(`GET ${o.path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", (hadError) => {
      if (hadError) return;
      const ms = performance.now() - t0;
      const response = Buffer.concat(chunks);
      const head = response.indexOf("\r\n\r\n");
      const status = response.subarray(0, response.indexOf("\r\n")).toString();
      const body = head < 0 ? -1 : response.length - head - 4;
      if (!/^HTTP\/1\.[01] 200 /.test(status)) reject(new Error(`answer ${JSON.stringify(status.slice(0, 60))}`));
      else if (body !== o.bodyBytes) reject(new Error(`body of ${body} bytes, not ${o.bodyBytes}`));
      else resolve(ms);
    });
  });
}

/** Makes `requests` GETs of `path`, `concurrency` at a time. */
export async function httpLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < o.requests) {
      next++;
      try {
        latencies.push(await get(o));
      } catch (e) {
        failed++;
        if (errors.length < 3) errors.push(e instanceof Error ? e.message : String(e));
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.requests) }, worker));
  return { seconds: (performance.now() - t0) / 1000, latencies, errors, failed };
}

/** The `q` quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
