// A request body's bytes as they arrive on the connection, framed by Content-Length or chunked
// (RFC 9112 §6–§7): each push gives the body's data in it, and once the body has ended, the bytes
// that follow it (the next request's). However the bytes are split across pushes, the same data
// comes out; a malformed chunked framing gives an error, never an exception.

import type { RequestHead } from "./request-head.ts";

export interface Decoded {
  data: Uint8Array[];
  /** The body has ended: `rest` holds what came after it. */
  done: boolean;
  rest: Uint8Array;
  error?: string;
}

/** A chunk-size line or a trailer line longer than this is refused. */
const LINE_MAX = 4096;
/** All trailer lines together. */
const TRAILERS_MAX = 64 * 1024;
const EMPTY = new Uint8Array(0);

export interface BodyDecoder {
  push(bytes: Uint8Array): Decoded;
}

export function bodyDecoder(framing: RequestHead["body"]): BodyDecoder {
  if (framing.kind === "chunked") return new ChunkedDecoder();
  let left = framing.kind === "length" ? framing.length : 0;
  return {
    push(bytes) {
      const take = Math.min(left, bytes.length);
      left -= take;
      return { data: take ? [bytes.subarray(0, take)] : [], done: left === 0, rest: bytes.subarray(take) };
    },
  };
}

type State = "size" | "data" | "data-end" | "trailers" | "done";

class ChunkedDecoder implements BodyDecoder {
  private state: State = "size";
  /** The line being read (a size line, a trailer line, the CRLF after a chunk's data). */
  private line = "";
  private left = 0;
  private trailerBytes = 0;

  push(bytes: Uint8Array): Decoded {
    const data: Uint8Array[] = [];
    let i = 0;
    while (i < bytes.length && this.state !== "done") {
      if (this.state === "data") {
        const take = Math.min(this.left, bytes.length - i);
        data.push(bytes.subarray(i, i + take));
        i += take;
        if ((this.left -= take) === 0) this.state = "data-end";
        continue;
      }
      const nl = bytes.indexOf(10, i);
      const end = nl < 0 ? bytes.length : nl;
      this.line += latin1(bytes.subarray(i, end));
      i = nl < 0 ? bytes.length : nl + 1;
      if (this.line.length > LINE_MAX) return this.fail(data, "a chunked body's line is too long");
      if (nl < 0) break;
      const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
      this.line = "";
      const error = this.lineDone(line);
      if (error) return this.fail(data, error);
    }
    return { data, done: this.state === "done", rest: this.state === "done" ? bytes.subarray(i) : EMPTY };
  }

  /** A whole line in the current state; an error's text when it breaks the framing. */
  private lineDone(line: string): string | undefined {
    if (this.state === "data-end") {
      if (line !== "") return "a chunk's data is longer than its size";
      this.state = "size";
      return undefined;
    }
    if (this.state === "trailers") {
      if (line === "") this.state = "done";
      else if ((this.trailerBytes += line.length) > TRAILERS_MAX) return "a chunked body's trailers are too long";
      return undefined;
    }
    // chunk-size [; extensions]: the size in hex, 1 to 13 digits (below 2^52)
    const size = /^([0-9A-Fa-f]{1,13})[ \t]*(?:;.*)?$/.exec(line);
    if (!size) return "malformed chunk size";
    this.left = Number.parseInt(size[1]!, 16);
    this.state = this.left === 0 ? "trailers" : "data";
    return undefined;
  }

  private fail(data: Uint8Array[], error: string): Decoded {
    this.state = "done";
    return { data, done: true, rest: EMPTY, error };
  }
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
