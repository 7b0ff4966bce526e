import { afterAll, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { deleteContainer } from "./lifecycle.ts";
import { StateStore } from "./state-store.ts";

const root = `/tmp/skiff-test-${process.pid}/lifecycle`;
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("delete of a create cut short (its directory reserved, no state.json yet) removes the directory, as runc does; --force answers 0, else 'does not exist'", async () => {
  const store = new StateStore(root);
  store.reserve("cut1");
  await deleteContainer(store, "cut1", true);
  expect(existsSync(store.dir("cut1"))).toBe(false);
  store.reserve("cut1"); // the id can be created again
  store.reserve("cut2");
  await expect(deleteContainer(store, "cut2", false)).rejects.toThrow(/container does not exist/);
  expect(existsSync(store.dir("cut2"))).toBe(false);
  await deleteContainer(store, "never-made", true);
});
