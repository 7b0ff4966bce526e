import { afterEach, describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { parseLocalPortRange, PortReservations } from "./port-reservations.ts";
import type { PortRequest } from "./port-specs.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const tcp = (hostPort: number, o: Partial<PortRequest> = {}): PortRequest => ({ hostIp: "0.0.0.0", hostPort, containerPort: 80, protocol: "tcp", ...o });

/** Host sockets a test opens, closed after it. */
const opened: (() => void)[] = [];
const reservations: PortReservations[] = [];
afterEach(() => {
  for (const close of opened.splice(0)) close();
  for (const r of reservations.splice(0)) r.releaseAll();
});
const make = (o?: ConstructorParameters<typeof PortReservations>[0]) => {
  const r = new PortReservations(o);
  reservations.push(r);
  return r;
};
const hostListen = (port: number, hostname = "0.0.0.0") => {
  const l = Bun.listen({ hostname, port, socket: { data: () => {} } });
  opened.push(() => l.stop(true));
  return l;
};
const canBind = (port: number) => {
  try {
    Bun.listen({ hostname: "0.0.0.0", port, socket: { data: () => {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
};
/** A run of `n` ports free now, below the kernel's ephemeral range (so nothing else picks them meanwhile). */
function freeWindow(n: number): number {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 10000);
    if (Array.from({ length: n }, (_, i) => base + i).every(canBind)) return base;
  }
}
const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (!isSkiffError(e)) throw e;
    return { code: e.code, kind: e.kind, message: e.message, hint: e.hint };
  }
  throw new Error("no error");
};

describe("holding published host ports", () => {
  test("a reserved port is held: another container's reserve of it is docker's 'port is already allocated', and so is a specific address under a held 0.0.0.0", async () => {
    const port = freeWindow(1);
    const r = make();
    expect(await r.reserve(A, [tcp(port)])).toEqual([{ hostIp: "0.0.0.0", hostPort: port, containerPort: 80, protocol: "tcp" }]);
    expect(canBind(port)).toBe(false);
    expect(await refusal(r.reserve(B, [tcp(port)]))).toEqual({ code: "ENGINE_PORT_ALLOCATED", kind: "internal", message: `Bind for 0.0.0.0:${port} failed: port is already allocated`, hint: "choose another host port or stop the container that publishes it" });
    expect((await refusal(r.reserve(B, [tcp(port, { hostIp: "127.0.0.1" })]))).message).toBe(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
    expect(r.held(B)).toEqual([]);
  });

  test("a port a host process listens on: docker-proxy's 'address already in use', naming the port", async () => {
    const port = freeWindow(1);
    hostListen(port, "127.0.0.1");
    const e = await refusal(make().reserve(A, [tcp(port)]));
    expect([e.code, e.message]).toEqual(["ENGINE_PORT_ALLOCATED", `Error starting userland proxy: listen tcp4 0.0.0.0:${port}: bind: address already in use`]);
  });

  test("a port another process of the host listens on: refused the same way, and a random pick skips it", async () => {
    const port = freeWindow(2);
    const child = Bun.spawn([process.execPath, "-e", `Bun.listen({ hostname: "0.0.0.0", port: ${port}, socket: { data() {} } }); console.log("ready"); setInterval(() => {}, 1e6);`], { stdout: "pipe" });
    opened.push(() => child.kill("SIGKILL"));
    const reader = child.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("ready");
    expect((await refusal(make().reserve(A, [tcp(port)]))).message).toBe(`Error starting userland proxy: listen tcp4 0.0.0.0:${port}: bind: address already in use`);
    expect((await make({ portRange: () => [port, port + 1] }).reserve(B, [tcp(0)]))[0]?.hostPort).toBe(port + 1);
    child.kill("SIGKILL");
    await child.exited;
  });

  test("release lets the ports go, and the port can be reserved again", async () => {
    const port = freeWindow(1);
    const r = make();
    await r.reserve(A, [tcp(port), tcp(port, { protocol: "udp" })]);
    r.release(A);
    expect(r.held(A)).toEqual([]);
    expect(canBind(port)).toBe(true);
    expect((await r.reserve(B, [tcp(port)]))[0]?.hostPort).toBe(port);
    r.release("nothing-held");
  });

  test("udp is held too, apart from tcp on the same number", async () => {
    const port = freeWindow(1);
    const r = make();
    await r.reserve(A, [tcp(port, { protocol: "udp" })]);
    expect((await refusal(r.reserve(B, [tcp(port, { protocol: "udp" })]))).message).toBe(`Bind for 0.0.0.0:${port} failed: port is already allocated`);
    const host = await Bun.udpSocket({ hostname: "0.0.0.0", port: 0 });
    opened.push(() => host.close());
    expect((await refusal(r.reserve(B, [tcp(host.port, { protocol: "udp" })]))).message).toBe(`Error starting userland proxy: listen udp4 0.0.0.0:${host.port}: bind: address already in use`);
    expect((await r.reserve(B, [tcp(port)]))[0]?.protocol).toBe("tcp");
  });

  test("all or nothing: a refused request lets go of what the same call had bound", async () => {
    const port = freeWindow(2);
    hostListen(port + 1);
    const r = make();
    await refusal(r.reserve(A, [tcp(port), tcp(port + 1)]));
    expect(r.held(A)).toEqual([]);
    expect(canBind(port)).toBe(true);
  });

  test("random ports: from the range, distinct, in turn, skipping those in use", async () => {
    const base = freeWindow(10);
    hostListen(base + 1);
    const r = make({ portRange: () => [base, base + 9] });
    const got = await r.reserve(A, Array.from({ length: 5 }, () => tcp(0)));
    const ports = got.map((m) => m.hostPort);
    expect(ports).toEqual([base, base + 2, base + 3, base + 4, base + 5]);
    expect(new Set(ports).size).toBe(5);
    r.release(A);
    // after a release the next ones come after the last given, not the freed ones again
    expect((await r.reserve(B, [tcp(0)]))[0]?.hostPort).toBe(base + 6);
  });

  test("a given range: the first free port in it; none free is an error naming the range", async () => {
    const base = freeWindow(3);
    hostListen(base);
    const r = make();
    expect((await r.reserve(A, [tcp(base, { hostPortEnd: base + 2 })]))[0]?.hostPort).toBe(base + 1);
    // a free range is taken from its first port (a new-user trial: it began at the second)
    const free = freeWindow(3);
    expect((await r.reserve(C, [tcp(free, { hostPortEnd: free + 2 })]))[0]?.hostPort).toBe(free);
    r.release(C);
    hostListen(base + 2);
    const e = await refusal(r.reserve(B, [tcp(base, { hostPortEnd: base + 2 })]));
    expect([e.code, e.message]).toEqual(["ENGINE_PORT_ALLOCATED", `Bind for 0.0.0.0:${base}-${base + 2} failed: all ports are allocated`]);
  });

  test("an address the host does not have: docker-proxy's 'cannot assign requested address'", async () => {
    const e = await refusal(make().reserve(A, [tcp(freeWindow(1), { hostIp: "192.0.2.123" })]));
    expect([e.code, e.message.replace(/:\d+:/, ":P:")]).toEqual(["ENGINE_PORT_BIND_FAILED", "Error starting userland proxy: listen tcp4 192.0.2.123:P: bind: cannot assign requested address"]);
  });
});

test("the kernel's ephemeral range, docker's default when it does not read", () => {
  expect(parseLocalPortRange("32768\t60999\n")).toEqual([32768, 60999]);
  expect(parseLocalPortRange(undefined)).toEqual([49153, 65535]);
  expect(parseLocalPortRange("9 3")).toEqual([49153, 65535]);
  expect(parseLocalPortRange("0 70000")).toEqual([49153, 65535]);
});
