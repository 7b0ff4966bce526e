// The head of an answer of the API's HTTP/1.1 server, from a Web Response: the status line, the
// handler's headers with names in the canonical case dockerd's (Go's) answers have, a Date, and
// how the body is framed: the handler's Content-Length, else chunked (HTTP/1.0: until the close).
import type { RequestHead } from "./request-head.ts";

/** none: no body bytes follow; length: the body's bytes as they are; chunked; close: the bytes, then the connection ends. */
export type Framing = "none" | "length" | "chunked" | "close";

const REASONS: Record<number, string> = {
  100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
  301: "Moved Permanently", 302: "Found", 304: "Not Modified", 307: "Temporary Redirect", 400: "Bad Request", 401: "Unauthorized",
  403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone", 411: "Length Required",
  412: "Precondition Failed", 413: "Content Too Large", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 422: "Unprocessable Content",
  429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
  503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
};

/** The reason phrase of a status ("Not Found"), "Status" for one without a standard phrase. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Status";
}

/** "api-version" → "Api-Version", "ostype" → "Ostype" (Go's CanonicalMIMEHeaderKey). */
export function canonicalName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** The answer's head text, its body's framing, and whether the connection ends after it;
 *  `keepAlive`: the connection may serve another request as far as the request goes. */
export function answerHead(res: Response, req: RequestHead, keepAlive: boolean): { text: string; framing: Framing; close: boolean } {
  const status = res.status;
  const bodyless = req.method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
  let length = res.headers.get("content-length");
  let framing: Framing;
  if (bodyless) framing = "none";
  else if (length !== null) framing = "length";
  else if (!res.body) {
    framing = "none";
    length = "0";
  } else framing = req.minor === 1 ? "chunked" : "close";
  const close = !keepAlive || framing === "close" || res.headers.get("connection")?.toLowerCase() === "close";
  let text = `HTTP/1.${req.minor} ${status} ${res.statusText || reasonPhrase(status)}\r\n`;
  res.headers.forEach((value, name) => {
    if (name === "connection" || name === "transfer-encoding" || name === "keep-alive" || (name === "content-length" && status === 204)) return;
    // Headers joins repeated values with ", ", which would break a cookie's date
    if (name === "set-cookie") for (const v of res.headers.getSetCookie()) text += `Set-Cookie: ${v}\r\n`;
    else text += `${canonicalName(name)}: ${value}\r\n`;
  });
  if (!res.headers.has("date")) text += `Date: ${new Date().toUTCString()}\r\n`;
  if (framing === "none" && !bodyless && !res.headers.has("content-length")) text += `Content-Length: ${length}\r\n`;
  if (framing === "chunked") text += "Transfer-Encoding: chunked\r\n";
  if (close) text += "Connection: close\r\n";
  else if (req.minor === 0) text += "Connection: keep-alive\r\n";
  return { text: `${text}\r\n`, framing, close };
}
