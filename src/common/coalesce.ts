// Small chunks gathered into larger ones for a socket or a pipe: a tar stream is mostly 512-byte
// headers and paddings between bodies, and each chunk handed on costs a write (and, through an
// HTTP response, a stream step) of its own. Chunks are passed in order; one of `min` bytes or more
// goes on as it is (after what was gathered), smaller ones are copied together up to `min`.
// `coalesce` takes an async source; `batches` a synchronous one (a walk whose I/O is synchronous
// hands its pieces on without a promise each: iterate its batches with for…of inside an async
// generator, one await per batch). Both are the same loop around one gatherer.
export async function* coalesce(source: AsyncIterable<Uint8Array>, min = 256 << 10): AsyncGenerator<Uint8Array> {
  const gather = gatherer(min);
  for await (const chunk of source) yield* gather.take(chunk);
  yield* gather.rest();
}

export function* batches(source: Iterable<Uint8Array>, min = 256 << 10): Generator<Uint8Array> {
  const gather = gatherer(min);
  for (const chunk of source) yield* gather.take(chunk);
  yield* gather.rest();
}

const NONE: readonly Uint8Array[] = [];

/** The state of one stream: `take` answers what goes on now that `chunk` came (nothing most of the
 *  time: no allocation then), `rest` what is still gathered at the end. */
function gatherer(min: number) {
  let parts: Uint8Array[] = [];
  let size = 0;
  const flush = (): Uint8Array => {
    const out = parts.length === 1 ? parts[0]! : new Uint8Array(size);
    if (parts.length > 1) {
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.byteLength;
      }
    }
    parts = [];
    size = 0;
    return out;
  };
  return {
    take(chunk: Uint8Array): readonly Uint8Array[] {
      if (chunk.byteLength >= min) return size ? [flush(), chunk] : [chunk];
      parts.push(chunk);
      size += chunk.byteLength;
      return size >= min ? [flush()] : NONE;
    },
    rest: (): readonly Uint8Array[] => (size ? [flush()] : NONE),
  };
}
