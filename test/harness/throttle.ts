// A throttling TCP proxy in front of a test registry (test/fixtures/throttle-proxy.py: both
// directions, small socket buffers), so that transfers last long enough to be watched.
import { join } from "node:path";

const THROTTLE_PROXY = join(import.meta.dir, "../fixtures/throttle-proxy.py");

export interface Throttle {
  /** "127.0.0.1:<port>", as a reference's domain. */
  domain: string;
  stop(): Promise<void>;
}

export async function startThrottle(upstreamPort: number, o: { bytesPerTick: number; tickMs: number }): Promise<Throttle> {
  const p = Bun.spawn(["python3", THROTTLE_PROXY, String(upstreamPort), String(o.bytesPerTick), String(o.tickMs)], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const reader = p.stdout.getReader();
  let first = "";
  for (const dec = new TextDecoder(); !first.includes("\n"); ) {
    const r = await reader.read();
    if (r.done) throw new Error(`throttle-proxy.py exited with ${await p.exited}`);
    first += dec.decode(r.value, { stream: true });
  }
  reader.releaseLock();
  return {
    domain: `127.0.0.1:${Number(first.trim())}`,
    stop: async () => {
      p.kill();
      await p.exited;
    },
  };
}
