// Pulls exact byte counts out of a stream of arbitrarily sized chunks, copying only when a read
// spans chunks — the tar reader's view of a layer stream.
export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private done = false;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Buffers at least n bytes unless the stream ends first; returns the bytes available (≤ n only at the end). */
  private async fill(n: number): Promise<number> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.byteLength) {
        this.chunks.push(r.value);
        this.buffered += r.value.byteLength;
      }
    }
    return Math.min(n, this.buffered);
  }

  /** Exactly n bytes, or fewer when the stream ends before them. */
  async read(n: number): Promise<Uint8Array> {
    const have = await this.fill(n);
    const first = this.chunks[0];
    if (first && first.byteLength >= have) return this.consume(have);
    const out = new Uint8Array(have);
    let at = 0;
    while (at < have) {
      const part = this.consume(Math.min(have - at, this.chunks[0]!.byteLength));
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  /** Up to n bytes as they arrive, without copying; the iterable ends early if the stream does. */
  async *stream(n: number): AsyncGenerator<Uint8Array> {
    while (n > 0) {
      if ((await this.fill(1)) === 0) return;
      const part = this.consume(Math.min(n, this.chunks[0]!.byteLength));
      n -= part.byteLength;
      yield part;
    }
  }

  /** Skips up to n bytes; returns how many were skipped. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const part of this.stream(n)) skipped += part.byteLength;
    return skipped;
  }

  /** Reads and discards the rest of the stream (so that a hash over it completes). */
  async drain(): Promise<void> {
    while ((await this.skip(1 << 30)) > 0);
  }

  private consume(n: number): Uint8Array {
    const first = this.chunks[0]!;
    let part: Uint8Array;
    if (n === first.byteLength) {
      this.chunks.shift();
      part = first;
    } else {
      part = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    }
    this.buffered -= n;
    this.offset += n;
    return part;
  }
}
