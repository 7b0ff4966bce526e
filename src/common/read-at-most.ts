// A body read up to a limit: the bytes until more than `limit` came (the caller tells a body too
// large by length > limit), the rest left unread. For answers of registries and requests of clients
// alike: nothing from outside is read whole before its size is known to be sane.
export async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of body) {
    parts.push(c);
    n += c.byteLength;
    if (n > limit) break;
  }
  return Buffer.concat(parts);
}
