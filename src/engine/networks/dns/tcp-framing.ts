// DNS over TCP frames each message with its length in two bytes (RFC 1035 §4.2.2, RFC 7766 §8).
import type { Socket } from "bun";

/** Collects a stream's chunks and gives back whole messages. */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private size = 0;

  get buffered(): number {
    return this.size;
  }

  /** The messages completed by `chunk`, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.chunks.push(chunk.slice());
    this.size += chunk.length;
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.size < 2) break;
      const head = this.peek(2);
      const length = (head[0]! << 8) | head[1]!;
      if (this.size < 2 + length) break;
      frames.push(this.take(2 + length).subarray(2));
    }
    return frames;
  }

  private peek(n: number): Uint8Array {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    this.chunks = [this.take(this.size)];
    this.size = this.chunks[0]!.length;
    return this.chunks[0]!;
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const part = Math.min(c.length, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
      if (part === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part);
    }
    this.size -= n;
    return out;
  }
}

/** `message` with its two-byte length before it. */
export function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + message.length);
  out[0] = (message.length >>> 8) & 0xff;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}

/** Writes to a socket that may take only part of a write: the rest goes out on drain(). */
export class FrameWriter {
  private queue: Uint8Array[] = [];

  constructor(private readonly socket: Socket<any>) {}

  get pending(): number {
    return this.queue.reduce((n, b) => n + b.length, 0);
  }

  send(message: Uint8Array): void {
    this.queue.push(frame(message));
    if (this.queue.length === 1) this.drain();
  }

  /** Call from the socket's drain handler. */
  drain(): void {
    while (this.queue.length) {
      const head = this.queue[0]!;
      const n = this.socket.write(head);
      if (n < 0) {
        this.queue = [];
        return;
      }
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        return;
      }
      this.queue.shift();
    }
  }
}
