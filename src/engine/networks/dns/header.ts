// The fixed 12-byte header of a DNS message (RFC 1035 4.1.1), as the codec reads and writes it.

export interface DnsHeader {
  id: number;
  /** A response (true) or a query. */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The reserved bit. */
  z: boolean;
  ad: boolean;
  cd: boolean;
  rcode: number;
}
