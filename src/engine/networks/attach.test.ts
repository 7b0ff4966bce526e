// The detach of an ended container: CNI DEL is given no namespace (it went with the container's
// processes), and the kernel removes the namespace's veths in the background, some ms later (longer
// under load). The detach, and so `rm`, ends only once the host's side has gone too: the suite's
// leak check once found a --rm container's veth still on the bridge right after the removal.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configureLog } from "../../common/log.ts";
import { ContainerNetworking, type AttachDeps, type NetworkPlugins } from "./attach.ts";
import type { NetworkedContainer, NetworkRecord } from "./record.ts";

const dir = mkdtempSync(join(tmpdir(), "skiff-attach-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const network = { id: "a".repeat(64), name: "n1", driver: "bridge", bridge: "sk-aaaa" } as NetworkRecord;

function setUp(linkPresent: (name: string) => boolean, vethGoneWait?: number, removeLink?: (name: string) => void) {
  const calls: string[] = [];
  const plugins: NetworkPlugins = {
    add: async (a) => (calls.push(`add ${a.ifName}`), { ip: "10.0.0.2", prefixLength: 24, gateway: "10.0.0.1", mac: "02:00:00:00:00:02", ifName: a.ifName }),
    del: async (a) => void calls.push(`del ${a.ifName} netns=${JSON.stringify(a.netns)}`),
    check: async () => {},
    hostInterface: () => (calls.includes("del eth0 netns=\"\"") ? undefined : "veth1234abcd"),
  };
  const deps: AttachDeps = {
    endpointsOf: () => [{ network, config: { aliases: [] } }],
    network: () => network,
    plugins: () => plugins,
    ports: { reserve: async () => [], release: () => {} },
    portRequests: () => [],
    attached: async () => {},
    detached: () => {},
    markerDir: mkdtempSync(join(dir, "markers-")),
    linkPresent,
    ...(vethGoneWait !== undefined ? { vethGoneWait } : {}),
    ...(removeLink ? { removeLink } : {}),
  };
  const r: NetworkedContainer = { id: "c".repeat(64), name: "c1", hostname: "c1", options: {}, state: { status: "running", pid: 1 } };
  return { networking: new ContainerNetworking(deps), r, calls };
}

test("the detach ends once the host's veth has gone with the namespace", async () => {
  let goneAt = Infinity;
  const checked: string[] = [];
  const { networking, r, calls } = setUp((name) => (checked.push(name), Date.now() < goneAt));
  await networking.up(r, 4242);
  const detach = networking.down(r).then(() => Date.now());
  await Bun.sleep(80);
  // DEL has run, the veth is still there: the detach is not done
  expect(calls).toEqual(["add eth0", 'del eth0 netns=""']);
  expect(await Promise.race([detach, Bun.sleep(0).then(() => "waiting")])).toBe("waiting");
  goneAt = Date.now();
  const ended = await detach;
  expect(ended).toBeGreaterThanOrEqual(goneAt);
  // (the veth's name was taken from the ADD result before DEL removed it)
  expect(new Set(checked)).toEqual(new Set(["veth1234abcd"]));
});

test("a veth that stays is said, and the detach still ends", async () => {
  const lines: string[] = [];
  configureLog({ debug: false, sink: (level, msg) => void lines.push(`${level}: ${msg}`) });
  try {
    const { networking, r } = setUp(() => true, 100);
    await networking.up(r, 4242);
    const t0 = Date.now();
    await networking.down(r);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(lines.some((l) => l.startsWith("warning:") && l.includes("veth1234abcd is still there"))).toBe(true);
  } finally {
    configureLog({ debug: false, sink: undefined });
  }
});

test("nothing to wait for when the veth is already gone", async () => {
  const { networking, r } = setUp(() => false);
  await networking.up(r, 4242);
  const t0 = Date.now();
  await networking.down(r);
  expect(Date.now() - t0).toBeLessThan(50);
});

test("a veth that stays because another container shares the namespace (--network container:) is removed, its container end with it, and nothing is said", async () => {
  const lines: string[] = [];
  configureLog({ debug: false, sink: (level, msg) => void lines.push(`${level}: ${msg}`) });
  try {
    const removed: string[] = [];
    const { networking, r } = setUp((name) => !removed.includes(name), 50, (name) => void removed.push(name));
    await networking.up(r, 4242);
    await networking.down(r);
    expect(removed).toEqual(["veth1234abcd"]);
    expect(lines.filter((l) => l.startsWith("warning:"))).toEqual([]);
  } finally {
    configureLog({ debug: false, sink: undefined });
  }
});
