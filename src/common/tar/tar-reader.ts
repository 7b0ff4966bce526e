// The pull side of the tar parser (tar-parser.ts): entries one at a time from an async stream,
// each with its body as an async iterable — for readers that await per entry (docker-archive
// loads, tests). The unpacker pushes into TarParser directly.
//
// Contracts:
// - An entry's body must be read (or left) before asking for the next, and is skipped if left
//   unread.
// - Entries before a malformed header are delivered before its error.
// - What follows the end marker is not read; callers that hash the stream drain it themselves.
import { LAYER_INPUT, TarParser, type TarHeader, type TarInput } from "./tar-parser.ts";

export type { TarEntryType, TarHeader, TarInput } from "./tar-parser.ts";

export interface TarEntry extends TarHeader {
  /** The entry's content (regular files only; empty for others). */
  body(): AsyncIterable<Uint8Array>;
}

type Event = { kind: "entry"; h: TarHeader } | { kind: "data"; part: Uint8Array } | { kind: "end" } | { kind: "error"; e: unknown };

/** The entries of the tar `source`; `what` says what it is in errors ("read archive: …"), a layer by default. */
export async function* readTar(source: AsyncIterable<Uint8Array>, what: TarInput = LAYER_INPUT): AsyncGenerator<TarEntry> {
  let queue: Event[] = [];
  let head = 0;
  const parser = new TarParser({
    entry: (h) => queue.push({ kind: "entry", h }),
    data: (part) => queue.push({ kind: "data", part }),
    end: () => queue.push({ kind: "end" }),
  }, what);
  const input = source[Symbol.asyncIterator]();
  let stopped = false;
  /** The next event, reading more of the source when none is queued; undefined at the end. */
  const next = async (): Promise<Event | undefined> => {
    while (head === queue.length) {
      if (stopped || parser.done) return undefined;
      queue = [];
      head = 0;
      const r = await input.next();
      try {
        if (r.done) {
          stopped = true;
          parser.finish();
        } else parser.push(r.value);
      } catch (e) {
        stopped = true;
        queue.push({ kind: "error", e });
      }
    }
    const ev = queue[head++]!;
    if (ev.kind === "error") throw ev.e;
    return ev;
  };
  for (;;) {
    const ev = await next();
    if (!ev) return;
    if (ev.kind !== "entry") throw new Error(`readTar: ${ev.kind} event outside an entry`);
    let ended = false;
    const entry: TarEntry = {
      ...ev.h,
      body: async function* () {
        while (!ended) {
          const b = await next();
          if (!b || b.kind === "end") ended = true;
          else if (b.kind === "data") yield b.part;
        }
      },
    };
    yield entry;
    while (!ended) {
      const b = await next();
      if (!b || b.kind === "end") ended = true;
    }
  }
}
