import { expect, test } from "bun:test";
import type { VolumeView } from "../../engine/volumes/index.ts";
import { volumeJson } from "./volume-json.ts";

const view = (labels: Record<string, string> | null, options: Record<string, string> | null) =>
  ({ name: "v", driver: "local", created: "2026-01-01T00:00:00Z", labels, options, mountpoint: "/m" }) as unknown as VolumeView;

test("a volume made without options or labels shows null for them, as dockerd (it showed \"Options\": {})", () => {
  expect(volumeJson(view({}, {}))).toMatchObject({ Labels: null, Options: null });
  expect(volumeJson(view(null, null))).toMatchObject({ Labels: null, Options: null });
  expect(volumeJson(view({ a: "b" }, { type: "tmpfs" }))).toMatchObject({ Labels: { a: "b" }, Options: { type: "tmpfs" } });
});
