// An HTTP/1.1 request head as a client sends it to skiffd (RFC 9112 §2–§6), read by the API's own
// server (http-server.ts). The bytes are the client's: any input gives a head or a refusal with
// the status to answer, never an exception. What could let one request be read as two by some
// other reader (two framings, two lengths, a header folded over lines) is refused.

export interface RequestHead {
  method: string;
  /** The origin-form target ("/v1.47/containers/json?all=1"); an absolute-form one is cut to its path. */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** In the order sent, names as sent. */
  headers: [string, string][];
  /** How the body is framed: none, a length, or chunked. */
  body: { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" };
  /** The client asked to keep the connection (1.1 unless `Connection: close`; 1.0 with `keep-alive`). */
  keepAlive: boolean;
  /** `Upgrade`'s value when `Connection` names upgrade, lower case. */
  upgrade?: string;
  /** `Expect: 100-continue`. */
  expectContinue: boolean;
}

export interface HeadRefusal {
  status: 400 | 501 | 505;
  reason: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: visible characters, spaces, tabs and obs-text; no CR, LF or NUL. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;

/** Where the head ends in `buf` (the index after its blank line), or -1 when it has not ended yet.
 *  `buf` starts at the request line: the caller has skipped the empty lines a client may send first. */
export function headEnd(buf: Uint8Array): number {
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) {
    if (buf[i + 1] === 10) return i + 2;
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
  }
  return -1;
}

/** Reads a head (its bytes up to and with the blank line) as latin1 text, each byte one character. */
export function parseRequestHead(text: string): RequestHead | HeadRefusal {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines.at(-1) === "") lines.pop();
  const request = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/.exec(lines[0] ?? "");
  if (!request) return { status: 400, reason: "malformed request line" };
  const [, method, rawTarget, major, minor] = request as unknown as [string, string, string, string, string];
  if (major !== "1" || (minor !== "0" && minor !== "1")) return { status: 505, reason: `HTTP/${major}.${minor} is not served` };
  const target = originForm(rawTarget);
  if (target === undefined) return { status: 400, reason: "malformed request target" };
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line[0] === " " || line[0] === "\t") return { status: 400, reason: "a header folded over lines" };
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (colon <= 0 || !TOKEN.test(name)) return { status: 400, reason: "malformed header line" };
    if (!VALUE.test(value)) return { status: 400, reason: `header ${name} holds a control character` };
    headers.push([name, value]);
  }
  const all = (name: string) => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  const body = framing(all("content-length"), all("transfer-encoding"));
  if ("status" in body) return body;
  const connection = all("connection").flatMap((v) => v.toLowerCase().split(",").map((t) => t.trim()));
  const keepAlive = minor === "1" ? !connection.includes("close") : connection.includes("keep-alive");
  const upgrade = connection.includes("upgrade") ? all("upgrade")[0]?.toLowerCase() : undefined;
  const expectContinue = all("expect").some((v) => v.toLowerCase() === "100-continue");
  return { method, target, minor: minor === "1" ? 1 : 0, headers, body, keepAlive, ...(upgrade !== undefined ? { upgrade } : {}), expectContinue };
}

function originForm(target: string): string | undefined {
  if (!TARGET.test(target)) return undefined;
  if (target.startsWith("/")) return target;
  // absolute-form (a client that talks to skiffd as to a proxy): its path and query
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(target);
  if (!absolute) return undefined;
  const rest = absolute[1] ?? "";
  return rest.startsWith("/") ? rest : `/${rest}`;
}

function framing(lengths: string[], encodings: string[]): RequestHead["body"] | HeadRefusal {
  if (encodings.length) {
    // both framings in one request is how requests are smuggled past another reader: refused
    if (lengths.length) return { status: 400, reason: "both Content-Length and Transfer-Encoding" };
    const codings = encodings.flatMap((v) => v.split(",")).map((t) => t.trim().toLowerCase());
    if (codings.length === 1 && codings[0] === "chunked") return { kind: "chunked" };
    return { status: 501, reason: `transfer coding ${codings.join(", ")} is not served (chunked is)` };
  }
  if (!lengths.length) return { kind: "none" };
  const values = new Set(lengths.flatMap((v) => v.split(",")).map((t) => t.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) return { status: 400, reason: "malformed Content-Length" };
  const length = Number(only);
  return length === 0 ? { kind: "none" } : { kind: "length", length };
}
