// The DNS responder skiffd runs for a user-defined network, on the network's gateway address in the
// host's namespace, UDP and TCP: names the network owns are answered from its NameSource, the rest
// forwarded (forwarder.ts). Queries come from any container: any bytes are handled without
// throwing, a query never waits for another, and forwards in flight are bounded.
import type { TCPSocketListener, udp } from "bun";
import { SkiffError } from "../../../common/errors.ts";
import { forward } from "./forwarder.ts";
import { DnsParseError, type DnsMessage, encodeMessage, parseHeader, parseMessage, RCODE, TYPE } from "./message.ts";
import type { NameSource } from "./name-source.ts";
import { decide } from "./own-answer.ts";
import { encodeWithin, replyTo, replyToHeader, UDP_LIMIT } from "./records.ts";
import { listenTcp } from "./tcp-server.ts";
import { MAX_UPSTREAMS, parseUpstream, type Upstream } from "./upstreams.ts";

export interface DnsResponderOptions {
  /** An address of the host (the network's gateway): it must be on an interface. */
  address: string;
  /** 53 by default; 0 picks a free port (the same for UDP and TCP). */
  port?: number;
  names: NameSource;
  /** How long each upstream has to answer a forwarded query before the next is asked (SERVFAIL after the last). */
  timeoutMs?: number;
  /** A TCP connection with nothing in flight is closed after this long. */
  tcpIdleTimeoutMs?: number;
  /** Forwards in flight at once; a query beyond them gets SERVFAIL at once. */
  maxPendingForwards?: number;
}

export const DEFAULT_TIMEOUT_MS = 2000;
export const DEFAULT_TCP_IDLE_MS = 10_000;
export const DEFAULT_MAX_PENDING_FORWARDS = 256; // each holds a socket (an fd) while it waits
/** The largest EDNS UDP size the responder passes an upstream's answer on at. */
const MAX_UDP_LIMIT = 4096;

export class DnsResponder {
  private readonly aborts = new AbortController();
  private pendingForwards = 0;
  private closed = false;

  private constructor(
    readonly address: string,
    readonly port: number,
    private readonly options: DnsResponderOptions,
    private readonly udpSocket: udp.Socket<"uint8array">,
    private readonly tcpListener: TCPSocketListener<unknown>,
  ) {}

  static async start(options: DnsResponderOptions): Promise<DnsResponder> {
    const { address } = options;
    let responder: DnsResponder | undefined;
    let udpSocket: udp.Socket<"uint8array">;
    try {
      udpSocket = await Bun.udpSocket({
        hostname: address,
        port: options.port ?? 53,
        binaryType: "uint8array",
        socket: {
          data: (s, data, port, client) => {
            // (a copy: a forward reads the query again after awaiting)
            responder?.answer(data.slice(), client, false).then((reply) => {
              try {
                if (reply && !responder!.closed) s.send(reply, port, client);
              } catch {} // a client address the kernel will not send to: its loss
            });
          },
          // an ICMP error for an answer sent (a container gone, its bridge deleted: EHOSTUNREACH,
          // ECONNREFUSED) comes back on the socket: the client's loss, never the daemon's (without
          // a handler, Bun ends the process on it)
          error: () => {},
        },
      });
    } catch (e) {
      throw bindFailed(address, options.port ?? 53, "UDP", e);
    }
    const port = udpSocket.port;
    let tcpListener: TCPSocketListener<unknown>;
    try {
      tcpListener = listenTcp(address, port, (query, client) => responder!.answer(query, client, true), options.tcpIdleTimeoutMs ?? DEFAULT_TCP_IDLE_MS) as TCPSocketListener<unknown>;
    } catch (e) {
      udpSocket.close();
      throw bindFailed(address, port, "TCP", e);
    }
    responder = new DnsResponder(address, port, options, udpSocket, tcpListener);
    return responder;
  }

  /** Stops listening (both ports are free when this returns) and gives up the forwards in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.aborts.abort();
    this.udpSocket.close();
    this.tcpListener.stop(true);
  }

  /** The answer to a message from `client` (UDP or TCP, the transport's framing removed), or undefined to drop it. Never throws. */
  async answer(bytes: Uint8Array, client: string, tcp: boolean): Promise<Uint8Array | undefined> {
    const header = parseHeader(bytes);
    if (!header || header.qr || this.closed) return undefined;
    let query: DnsMessage;
    try {
      query = parseMessage(bytes);
    } catch (e) {
      if (e instanceof DnsParseError) return replyToHeader(header, RCODE.FORMERR);
      return undefined;
    }
    const limit = tcp ? 65535 : UDP_LIMIT;
    try {
      // (a new-user trial: a container of another network read this one's names through its gateway)
      if (this.options.names.serves && !this.options.names.serves(client)) return encodeMessage(replyTo(query, RCODE.REFUSED));
      const decision = decide(query, client, this.options.names);
      if ("drop" in decision) return undefined;
      if ("reply" in decision) return encodeWithin(decision.reply, limit);
      const upstreams = this.options.names
        .upstreams(client)
        .map(parseUpstream)
        .filter((u): u is Upstream => !!u && !(u.host === this.address && u.port === this.port))
        .slice(0, MAX_UPSTREAMS);
      if (upstreams.length === 0 || this.pendingForwards >= (this.options.maxPendingForwards ?? DEFAULT_MAX_PENDING_FORWARDS)) return encodeMessage(replyTo(query, RCODE.SERVFAIL));
      this.pendingForwards++;
      try {
        const answer = await forward({ query: bytes, upstreams, tcp, udpLimit: udpLimitOf(query), timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: this.aborts.signal });
        return answer ?? encodeMessage(replyTo(query, RCODE.SERVFAIL));
      } finally {
        this.pendingForwards--;
      }
    } catch {
      // a NameSource that threw, a name it gave that cannot be written: the client still gets an answer
      try {
        return encodeMessage(replyTo(query, RCODE.SERVFAIL));
      } catch {
        return replyToHeader(header, RCODE.SERVFAIL);
      }
    }
  }
}

/** What the client takes over UDP: its EDNS size (RFC 6891 §6.2.3), at least 512. */
function udpLimitOf(query: DnsMessage): number {
  const opt = query.additionals.find((r) => r.type === TYPE.OPT);
  return Math.min(MAX_UDP_LIMIT, Math.max(UDP_LIMIT, opt?.class ?? 0));
}

function bindFailed(address: string, port: number, protocol: string, cause: unknown): SkiffError {
  const code = (cause as { code?: string })?.code ?? "";
  const hint =
    code === "EADDRNOTAVAIL"
      ? `${address} is not an address of this host yet: the network's bridge has its gateway address once the first container is attached (ip -br addr)`
      : code === "EADDRINUSE"
        ? `another program holds ${protocol} port ${port} on ${address} or on all addresses (a dnsmasq or a resolver listening on 0.0.0.0:53?): ss -lunpt 'sport = :${port}'`
        : code === "EACCES"
          ? `port ${port} needs root or CAP_NET_BIND_SERVICE`
          : undefined;
  return new SkiffError({
    layer: "engine",
    code: "ENGINE_DNS_BIND_FAILED",
    kind: code === "EADDRINUSE" ? "conflict" : "unavailable",
    message: `listen for DNS on ${address}:${port}/${protocol.toLowerCase()}: ${code || (cause as Error)?.message || String(cause)}`,
    hint,
    cause,
    details: { errno: code || undefined, address, port },
  });
}
