// docker ps's network, publish and expose filters (the others are compared with docker 28 by
// test/skiff-containers.test.ts).
import { expect, test } from "bun:test";
import type { ContainerRecord } from "../../engine/containers/index.ts";
import type { ContainerNetwork } from "../wire/container-network-json.ts";
import { filterContainers } from "./container-filters.ts";

const rec = (name: string, o: Partial<ContainerRecord["options"]> = {}, ports: ContainerRecord["state"]["ports"] = []): ContainerRecord =>
  ({
    id: name.padEnd(64, "0"), name, image: "busybox", imageId: "sha256:x", created: "2026-01-01T00:00:00Z", imageConfig: { ExposedPorts: [], Env: [], Volumes: [], Labels: {} },
    options: o, path: "sh", args: [], hostname: "h", runtime: "skiff", files: {},
    state: { status: "running", pid: 1, exitCode: 0, error: "", oomKilled: false, startedAt: "2026-01-01T00:00:00Z", finishedAt: "0001-01-01T00:00:00Z", ports }, restartCount: 0,
  }) as unknown as ContainerRecord;

const FRONT = "f".repeat(64);
const web = rec("web", { network: "front", portBindings: { "80/tcp": [{ hostIp: "", hostPort: "8080" }] }, exposedPorts: ["443/tcp"] }, [{ hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
const db = rec("db", { network: "bridge" });
const hosted = rec("hosted", { network: "host" });
const networks = (id: string): ContainerNetwork[] =>
  id === web.id ? [{ id: FRONT, name: "front", config: { aliases: [] }, userDefined: true }] : id === db.id ? [{ id: "b".repeat(64), name: "bridge", config: { aliases: [] }, userDefined: false }] : [];
const names = (filters: Record<string, string[]>) => filterContainers([web, db, hosted], filters, { networks }).map((r) => r.name);

test("network: by name, by id prefix, the modes host and none by name", () => {
  expect(names({ network: ["front"] })).toEqual(["web"]);
  expect(names({ network: ["ffff"] })).toEqual(["web"]);
  expect(names({ network: ["bridge"] })).toEqual(["db"]);
  expect(names({ network: ["host"] })).toEqual(["hosted"]);
  expect(names({ network: ["front", "host"] })).toEqual(["web", "hosted"]);
  expect(names({ network: ["nothere"] })).toEqual([]);
});

test("publish matches host ports, expose container ports (ranges, tcp unless said); a bad one is docker's 400", () => {
  expect(names({ publish: ["8080"] })).toEqual(["web"]);
  expect(names({ publish: ["80"] })).toEqual([]);
  expect(names({ expose: ["80/tcp"] })).toEqual(["web"]);
  expect(names({ expose: ["440-450"] })).toEqual(["web"]);
  expect(names({ expose: ["443/udp"] })).toEqual([]);
  expect(() => names({ publish: ["http"] })).toThrow("invalid filter 'publish=http'");
});
