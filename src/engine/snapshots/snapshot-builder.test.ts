import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildTar } from "../archive/index.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { SnapshotBuilder } from "./snapshot-builder.ts";
import type { SnapshotRecord, SnapshotRecords } from "./snapshot-records.ts";
import { Snapshots } from "./snapshots.ts";

const root = mkdtempSync("/tmp/skiff-builder-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const records = new Map<string, SnapshotRecord>();
const snapshots = new Snapshots(join(root, "snapshots"));
const recordsPort: SnapshotRecords = { snapshot: (c) => records.get(c), putSnapshot: (r) => void records.set(r.chainId, r) };
const builder = new SnapshotBuilder(snapshots, recordsPort);
const stream = (bytes: Uint8Array) => (async function* () {
  yield bytes.subarray(0, 700);
  yield bytes.subarray(700);
})();

test("a streamed layer (a commit's) is unpacked, then named by the chain ID of the diffID it had; the same content again keeps the first snapshot", async () => {
  const tar = buildTar([{ name: "w/", type: "dir" }, { name: "w/f", type: "file", data: "committed\n" }]);
  const seen: string[] = [];
  const chainOf = (diffId: string) => (seen.push(diffId), `chain-of-${diffId.slice(7, 15)}`);
  const first = await builder.buildStreamed([], stream(tar), chainOf);
  expect(seen).toEqual([digestBytes(tar)]);
  expect(first.chainId).toBe(`chain-of-${digestBytes(tar).slice(7, 15)}`);
  expect(readFileSync(join(snapshots.fsPath(first.dir), "w/f"), "utf8")).toBe("committed\n");
  const again = await builder.buildStreamed([], stream(tar), chainOf);
  expect(again).toEqual(first);
  expect(readdirSync(snapshots.root).filter((n) => !/^\d+$/.test(n))).toEqual([]); // the second one's temporary dir is gone
});

test("a stream that fails leaves no snapshot", async () => {
  const failing = (async function* () {
    yield buildTar([{ name: "x", type: "file", data: "x" }]).subarray(0, 512);
    throw new Error("the walk failed");
  })();
  const before = readdirSync(snapshots.root).sort();
  await expect(builder.buildStreamed([], failing, () => "never")).rejects.toThrow("the walk failed");
  expect(readdirSync(snapshots.root).sort()).toEqual(before);
});
