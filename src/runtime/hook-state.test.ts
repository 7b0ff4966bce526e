import { expect, test } from "bun:test";
import { createHookState, hookState, pidInContainer } from "./hook-state.ts";
import type { ContainerState } from "./state-store.ts";

const s = { id: "c", bundle: "/b", annotations: { a: "1" } } as unknown as ContainerState;

test("the hooks of create get status created; the runtime's the pid as given, the container's its own pid", () => {
  expect(createHookState(s, process.pid, "runtime")).toEqual({ ociVersion: "1.2.0", id: "c", status: "created", pid: process.pid, bundle: "/b", annotations: { a: "1" } });
  // this process is in the host's pid namespace: its pid there is its pid
  expect(createHookState(s, process.pid, "container").pid).toBe(pidInContainer(process.pid));
  expect(pidInContainer(process.pid)).toBe(process.pid);
});

test("poststop's state has no pid: the container has no process any more (runc leaves it out too)", () => {
  expect(hookState(s, 0, "stopped")).toEqual({ ociVersion: "1.2.0", id: "c", status: "stopped", bundle: "/b", annotations: { a: "1" } });
  expect(hookState(s, 42, "running").pid).toBe(42);
});
