// The one failure the DNS parser reports: bytes that are not a DNS message. Anything else thrown
// while parsing is a bug (the fuzz properties in message.fuzz.ts hold the parser to this).
import type { DnsHeader } from "./header.ts";

export class DnsParseError extends Error {
  /** The header, when the first 12 bytes could be read: the responder answers FORMERR to it. */
  readonly header?: DnsHeader;
  readonly reason: string;

  constructor(reason: string, header?: DnsHeader) {
    super(`malformed DNS message: ${reason}`);
    this.name = "DnsParseError";
    this.reason = reason;
    this.header = header;
  }
}
