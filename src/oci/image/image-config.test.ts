import { describe, expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import { checkLayersMatchConfig, parseImageConfig } from "./image-config.ts";
import type { ImageManifest } from "./manifest.ts";

const D1 = `sha256:${"1".repeat(64)}` as const;
const config = {
  architecture: "amd64",
  os: "linux",
  created: "2024-01-01T00:00:00Z",
  config: {
    User: "app:app",
    ExposedPorts: { "80/tcp": {}, "53/udp": {} },
    Env: ["PATH=/usr/bin", "A=b"],
    Entrypoint: ["/init"],
    Cmd: null,
    WorkingDir: "/srv",
    Volumes: { "/data": {} },
    Labels: { "org.opencontainers.image.title": "x" },
    StopSignal: "SIGQUIT",
    Healthcheck: { Test: ["CMD", "true"], Interval: 1000000000, Retries: 3 },
  },
  rootfs: { type: "layers", diff_ids: [D1] },
  history: [{ created_by: "ADD x /", created: "2024-01-01T00:00:00Z" }, { created_by: "ENV A=b", empty_layer: true }],
};

describe("parseImageConfig", () => {
  test("reads the container defaults, diffIDs and history", () => {
    const c = parseImageConfig(JSON.stringify(config));
    expect(c.config).toEqual({
      User: "app:app",
      ExposedPorts: ["80/tcp", "53/udp"],
      Env: ["PATH=/usr/bin", "A=b"],
      Entrypoint: ["/init"],
      Cmd: undefined,
      Volumes: ["/data"],
      WorkingDir: "/srv",
      Labels: { "org.opencontainers.image.title": "x" },
      StopSignal: "SIGQUIT",
      ArgsEscaped: undefined,
      Healthcheck: { Test: ["CMD", "true"], Interval: 1000000000, Timeout: undefined, StartPeriod: undefined, Retries: 3 },
    });
    expect(c.rootfs.diffIds).toEqual([D1]);
    expect(c.history.map((h) => h.emptyLayer)).toEqual([false, true]);
  });
  test("an absent config gives empty defaults", () => {
    const c = parseImageConfig(JSON.stringify({ architecture: "arm64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
    expect(c.config.Env).toEqual([]);
    expect(c.config.Entrypoint).toBeUndefined();
  });
  const bad: [string, unknown, RegExp][] = [
    ["Env not strings", { ...config, config: { ...config.config, Env: [1] } }, /config\.Env\[0\] must be a string/],
    ["Cmd a string", { ...config, config: { ...config.config, Cmd: "sh" } }, /config\.Cmd must be an array/],
    ["rootfs type", { ...config, rootfs: { type: "tar", diff_ids: [] } }, /rootfs\.type must be "layers"/],
    ["diff id", { ...config, rootfs: { type: "layers", diff_ids: ["sha256:1"] } }, /rootfs\.diff_ids\[0\] must be a digest/],
    ["no rootfs", { ...config, rootfs: undefined }, /rootfs must be an object/],
    ["no os", { ...config, os: undefined }, /os must be a string/],
  ];
  for (const [name, doc, why] of bad) {
    test(`refuses: ${name}`, () => {
      try {
        parseImageConfig(JSON.stringify(doc));
        throw new Error("did not throw");
      } catch (e) {
        expect((e as SkiffError).code).toBe("IMAGE_CONFIG_INVALID");
        expect((e as Error).message).toMatch(why);
      }
    });
  }
});

test("checkLayersMatchConfig refuses a layer count that differs from diff_ids", () => {
  const c = parseImageConfig(JSON.stringify(config));
  const m = { layers: [] } as unknown as ImageManifest;
  expect(() => checkLayersMatchConfig(m, c)).toThrow(/lists 0 layers but its config has 1 diff_ids/);
});
