// A one-producer, one-consumer byte channel: how one network stream feeds two sinks in one pass
// (the content store's ingest pulls the blob; each chunk is also pushed here for unpackLayer).
//
// Contract: `push` waits while more than `limit` bytes are queued (backpressure: the download
// never runs ahead of the unpack by more than that); once the consumer has gone (finished or
// failed), pushes are dropped so the producer can still complete its own sink. `fail` makes the
// consumer throw that error after the queued chunks.
export class ByteChannel implements AsyncIterable<Uint8Array> {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private error: unknown;
  private failed = false;
  private gone = false;
  private wakeConsumer?: () => void;
  private wakeProducer?: () => void;

  constructor(private readonly limit = 8 << 20) {}

  async push(chunk: Uint8Array): Promise<void> {
    if (this.gone || this.ended) return;
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    this.wake();
    while (this.queued > this.limit && !this.gone) await new Promise<void>((r) => (this.wakeProducer = r));
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(e: unknown): void {
    if (this.ended) return;
    this.failed = true;
    this.error = e;
    this.ended = true;
    this.wake();
  }

  /** Tees `source` into this channel: yields every chunk after queueing it here. */
  async *tap(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let ok = false;
    try {
      for await (const c of source) {
        await this.push(c);
        yield c;
      }
      ok = true;
    } catch (e) {
      this.fail(e);
      throw e;
    } finally {
      if (ok) this.end();
      else this.fail(new Error("the download stopped before the end of the blob"));
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const c = this.queue.shift();
        if (c) {
          this.queued -= c.byteLength;
          this.wakeProducer?.();
          yield c;
          continue;
        }
        if (this.failed) throw this.error;
        if (this.ended) return;
        await new Promise<void>((r) => (this.wakeConsumer = r));
      }
    } finally {
      this.gone = true;
      this.queue = [];
      this.queued = 0;
      this.wakeProducer?.();
    }
  }

  private wake(): void {
    const w = this.wakeConsumer;
    this.wakeConsumer = undefined;
    w?.();
  }
}
