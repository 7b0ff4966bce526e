// Loaded before every test file (bunfig.toml): after each test, fail it if it left mounts,
// cgroups, processes, network namespaces or container state behind.
import { afterAll, afterEach, beforeEach } from "bun:test";
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { removeRunBridgeRules, removeSharedChains, sharedChains } from "./iptables-leaks.ts";
import { leaked, RUN_TAG, snapshot, sweep, sweepNetworks, TEST_BRIDGE, TEST_STATE_ROOT, type Snapshot } from "./leaks.ts";

// The chains the CNI plugins and skiffd share (portmap's, skiffd's isolation chains …) that were
// there before this run: those the run makes go at its end (the afterAll below; Bun runs a
// preload's afterAll once, after every file's own).
const sharedBefore = sharedChains();

let before: Snapshot | undefined;

beforeEach(() => {
  before = snapshot();
});

afterEach(() => {
  if (!before) return;
  const left = leaked(before, snapshot());
  before = undefined;
  removeRunCgroups(); // empty now if nothing leaked; afterAll may run before a file's own clean-up
  if (left.length) {
    sweep();
    throw new Error(`the test left things behind:\n  ${left.join("\n  ")}`);
  }
});

/** The run's cgroup parent directories (runc leaves them behind); a busy one stays. */
function removeRunCgroups(): void {
  for (const h of ["", ...readdirSync("/sys/fs/cgroup")]) {
    try {
      rmdirSync(join("/sys/fs/cgroup", h, RUN_TAG));
    } catch {}
  }
}

// What the test process itself made: its temp and state directories, and the cgroup parent
// directories (runc leaves the parent of a container's cgroup behind).
afterAll(() => {
  // the run's default bridge (skiffd leaves it, as dockerd leaves docker0)
  if (existsSync(`/sys/class/net/${TEST_BRIDGE}`)) Bun.spawnSync(["ip", "link", "delete", TEST_BRIDGE]);
  removeRunBridgeRules(TEST_BRIDGE);
  sweepNetworks(); // (what a daemon killed mid-test left of its user-defined networks)
  removeSharedChains(sharedBefore);
  rmSync(`/tmp/${RUN_TAG}`, { recursive: true, force: true });
  rmSync(TEST_STATE_ROOT, { recursive: true, force: true });
  removeRunCgroups();
});
