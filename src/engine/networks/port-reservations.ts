// The host ports of published ports, held while their container runs, as docker-proxy holds them:
// a listening TCP socket or a bound UDP socket on each (packets never reach it: portmap's DNAT
// sends them to the container first). So a second container, or a host process, asking for the
// port fails, and a host process cannot take it from under a running container.
// Ports left to choose (host port 0, or a range) are taken from the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range) or the given range, in turn after the last one handed
// out (docker's portallocator), skipping those in use.
import { readFileSync } from "node:fs";
import { SkiffError } from "../../common/errors.ts";
import type { PortRequest } from "./port-specs.ts";
import type { PortMapping } from "./record.ts";

export const PORT_ALLOCATED = "ENGINE_PORT_ALLOCATED";
/** docker's portallocator default when the kernel's range cannot be read. */
const FALLBACK_RANGE: [number, number] = [49153, 65535];

/** "32768\t60999\n" → [32768, 60999]; docker's default range when the text does not read as one. */
export function parseLocalPortRange(text: string | undefined): [number, number] {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text ?? "");
  const start = Number(m?.[1]);
  const end = Number(m?.[2]);
  return m && start >= 1 && end <= 65535 && start <= end ? [start, end] : FALLBACK_RANGE;
}

export function readLocalPortRange(): [number, number] {
  try {
    return parseLocalPortRange(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8"));
  } catch {
    return FALLBACK_RANGE;
  }
}

interface Held {
  mapping: PortMapping;
  close(): void;
}

const keyOf = (m: { hostPort: number; protocol: string }) => `${m.protocol}/${m.hostPort}`;
const clash = (a: { hostIp: string }, b: { hostIp: string }) => a.hostIp === b.hostIp || a.hostIp === "0.0.0.0" || b.hostIp === "0.0.0.0";

const allocated = (hostIp: string, port: number | string, protocol: string, holder?: string) =>
  new SkiffError({
    layer: "engine",
    code: PORT_ALLOCATED,
    kind: "internal", // dockerd answers 500 (driver failed programming external connectivity)
    message: `Bind for ${hostIp}:${port} failed: port is already allocated`,
    hint: "choose another host port or stop the container that publishes it",
    details: { hostIp, hostPort: port, protocol, ...(holder ? { container: holder } : {}) },
  });

/** docker-proxy's words for a bind the kernel refused: "listen tcp4 0.0.0.0:80: bind: address already in use". */
function bindFailed(hostIp: string, port: number, protocol: string, e: unknown): SkiffError {
  const errno = (e as { code?: string }).code ?? "";
  const why = errno === "EADDRINUSE" ? "address already in use" : errno === "EADDRNOTAVAIL" ? "cannot assign requested address" : errno === "EACCES" ? "permission denied" : (e as Error).message;
  return new SkiffError({
    layer: "engine",
    code: errno === "EADDRINUSE" ? PORT_ALLOCATED : "ENGINE_PORT_BIND_FAILED",
    kind: "internal",
    message: `Error starting userland proxy: listen ${protocol}4 ${hostIp}:${port}: bind: ${why}`,
    hint: errno === "EADDRINUSE" ? "choose another host port or stop what uses it (ss -tulpn shows who listens)" : errno === "EADDRNOTAVAIL" ? "publish on an address this host has (ip addr), or on all of them" : undefined,
    details: { hostIp, hostPort: port, protocol, errno },
    cause: e,
  });
}

const isInUse = (e: unknown) => (e as { code?: string }).code === "EADDRINUSE";

/** Binds the port now; the returned close() lets it go. */
async function hold(m: PortMapping): Promise<Held> {
  if (m.protocol === "tcp") {
    const listener = Bun.listen({ hostname: m.hostIp, port: m.hostPort, socket: { open: (s) => void s.end(), data: () => {}, error: () => {} } });
    return { mapping: m, close: () => listener.stop(true) };
  }
  // (it only holds the port; an error on it, an ICMP message for instance, must not end the daemon)
  const socket = await Bun.udpSocket({ hostname: m.hostIp, port: m.hostPort, socket: { data: () => {}, error: () => {} } });
  return { mapping: m, close: () => socket.close() };
}

export interface PortReservationsOptions {
  /** The range random host ports come from; default: the kernel's ephemeral range, read at each reserve. */
  portRange?: () => [number, number];
}

export class PortReservations {
  private readonly byContainer = new Map<string, Held[]>();
  /** The last port handed out per protocol, so a released port is not reused at once. */
  private readonly last = new Map<string, number>();

  constructor(private readonly o: PortReservationsOptions = {}) {}

  private holderOf(m: { hostIp: string; hostPort: number; protocol: string }): string | undefined {
    for (const [id, held] of this.byContainer) if (held.some((h) => keyOf(h.mapping) === keyOf(m) && clash(h.mapping, m))) return id;
    return undefined;
  }

  /**
   * Holds a host port for each request, choosing those left open, and keeps them under the
   * container's id; all or nothing (what this call bound is let go on a failure). A port that
   * another container holds is docker's "Bind for IP:PORT failed: port is already allocated"; one
   * a host process holds, docker-proxy's "listen tcp4 IP:PORT: bind: address already in use".
   */
  async reserve(containerId: string, requests: readonly PortRequest[]): Promise<PortMapping[]> {
    const bound: Held[] = [];
    const mine = this.byContainer.get(containerId) ?? [];
    this.byContainer.set(containerId, mine);
    try {
      for (const r of requests) {
        const held = r.hostPort !== 0 && (r.hostPortEnd === undefined || r.hostPortEnd === r.hostPort) ? await this.holdExact(r) : await this.holdChosen(r);
        bound.push(held);
        mine.push(held);
      }
    } catch (e) {
      for (const h of bound) h.close();
      const left = mine.filter((h) => !bound.includes(h));
      if (left.length) this.byContainer.set(containerId, left);
      else this.byContainer.delete(containerId);
      throw e;
    }
    return bound.map((h) => ({ ...h.mapping }));
  }

  private async holdExact(r: PortRequest): Promise<Held> {
    const m: PortMapping = { hostIp: r.hostIp, hostPort: r.hostPort, containerPort: r.containerPort, protocol: r.protocol };
    const holder = this.holderOf(m);
    if (holder !== undefined) throw allocated(m.hostIp, m.hostPort, m.protocol, holder);
    try {
      return await hold(m);
    } catch (e) {
      throw bindFailed(m.hostIp, m.hostPort, m.protocol, e);
    }
  }

  private async holdChosen(r: PortRequest): Promise<Held> {
    const explicit = r.hostPort !== 0;
    const [start, end] = explicit ? [r.hostPort, r.hostPortEnd ?? r.hostPort] : (this.o.portRange ?? readLocalPortRange)();
    const size = end - start + 1;
    // a given range is tried from its start (docker's RequestPortInRange); the ephemeral one after the last port given
    // (a new-user trial: a given range began at its second port, its cursor taken as a last port given)
    const cursor = explicit ? undefined : this.last.get(r.protocol);
    const first = cursor === undefined || cursor < start || cursor >= end ? start : cursor + 1;
    for (let i = 0; i < size; i++) {
      const port = start + ((first - start + i) % size);
      const m: PortMapping = { hostIp: r.hostIp, hostPort: port, containerPort: r.containerPort, protocol: r.protocol };
      if (this.holderOf(m) !== undefined) continue;
      try {
        const held = await hold(m);
        if (!explicit) this.last.set(r.protocol, port);
        return held;
      } catch (e) {
        if (!isInUse(e)) throw bindFailed(m.hostIp, port, m.protocol, e);
      }
    }
    const range = explicit ? `${start}-${end}` : `${start}-${end} (the ephemeral range)`;
    throw new SkiffError({
      layer: "engine",
      code: PORT_ALLOCATED,
      kind: "internal",
      message: `Bind for ${r.hostIp}:${explicit ? `${start}-${end}` : r.hostPort} failed: all ports are allocated`,
      hint: `every ${r.protocol} port of ${range} on ${r.hostIp} is in use: give a wider range or stop what uses them`,
      details: { hostIp: r.hostIp, protocol: r.protocol, range: `${start}-${end}` },
    });
  }

  /** The ports the container holds now. */
  held(containerId: string): PortMapping[] {
    return (this.byContainer.get(containerId) ?? []).map((h) => ({ ...h.mapping }));
  }

  /** Lets the container's ports go (nothing to do when it holds none). */
  release(containerId: string): void {
    for (const h of this.byContainer.get(containerId) ?? []) h.close();
    this.byContainer.delete(containerId);
  }

  releaseAll(): void {
    for (const id of [...this.byContainer.keys()]) this.release(id);
  }
}
