// An HTTP/1.1 response head as the daemon (skiffd, or whatever -H names) sends it, read by the
// clients that speak HTTP on the socket themselves (hijack-client.ts, unix-exchange.ts). The text
// is the peer's: any bytes give a head or undefined, never an exception, and header names and
// values are kept as strings in a Map (Web Headers refuse some bytes by throwing).

export interface ResponseHead {
  status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Map<string, string>;
}

/** The head before its blank line ("HTTP/1.1 200 OK\r\nA: b"), or undefined when the status line is none. */
export function parseResponseHead(text: string): ResponseHead | undefined {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) return undefined;
  const headers = new Map<string, string>();
  for (const l of lines) {
    const colon = l.indexOf(":");
    if (colon > 0) headers.set(l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim());
  }
  return { status, headers };
}

/** The head's headers as Web Headers, leaving out any the Headers class refuses. */
export function webHeaders(head: ResponseHead): Headers {
  const out = new Headers();
  for (const [k, v] of head.headers) {
    try {
      out.set(k, v);
    } catch {
      // a name or value Headers cannot hold: the answer's meaning does not depend on it
    }
  }
  return out;
}
