// Loaded before every test file (bunfig.toml): after each test, fail it if it left mounts,
// cgroups, processes, network namespaces or container state behind.
import { afterEach, beforeEach } from "bun:test";
import { leaked, snapshot, sweep, type Snapshot } from "./leaks.ts";

let before: Snapshot | undefined;

beforeEach(() => {
  before = snapshot();
});

afterEach(() => {
  if (!before) return;
  const left = leaked(before, snapshot());
  before = undefined;
  if (left.length) {
    sweep();
    throw new Error(`the test left things behind:\n  ${left.join("\n  ")}`);
  }
});
