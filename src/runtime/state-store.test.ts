import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { mknod, S_IFIFO } from "../common/sys.ts";
import { processStartTime } from "../common/proc-stat.ts";
import { checkId, containerStatus, StateStore, validIdChars, type ContainerState } from "./state-store.ts";

const root = `/tmp/skiff-test-${process.pid}/state-store`;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const state = (id: string, pid: number): ContainerState => ({
  id, pid, startTime: processStartTime(pid), bundle: "/b", rootfs: "/b/rootfs", created: "", annotations: {}, cgroupPath: "", cgroupDirs: [], cgroupCreated: [], creator: 0, hooks: {},
});

test("a container's files are read, told apart and removed with their directory", () => {
  const store = new StateStore(`${root}/`); // a trailing "/" (as a user may type it) changes nothing
  expect(store.dir("c1")).toBe(`${root}/c1`);
  store.reserve("c1");
  store.write(state("c1", process.pid));
  mknod(store.fifo("c1"), S_IFIFO | 0o600);
  expect(store.exists("c1")).toBe(true);
  expect(store.read("c1").pid).toBe(process.pid);
  expect(containerStatus(store, store.read("c1"))).toBe("created");
  store.remove("c1");
  expect(existsSync(store.dir("c1"))).toBe(false);
  expect(store.exists("c1")).toBe(false);
  store.remove("c1"); // gone already: nothing to do
  expect(() => store.read("c1")).toThrow(/container does not exist/);
});

test("remove takes whatever else the directory holds (a crashed write's temp file, a subdirectory)", () => {
  const store = new StateStore(root);
  store.reserve("c2");
  store.write(state("c2", 0));
  writeFileSync(`${store.dir("c2")}/state.json.tmp-1234`, "{");
  mkdirSync(`${store.dir("c2")}/sub`);
  writeFileSync(`${store.dir("c2")}/sub/f`, "");
  store.remove("c2");
  expect(existsSync(store.dir("c2"))).toBe(false);
  expect(readdirSync(root)).toEqual([]);
});

test("a stopped init is stopped, a running one without a fifo running", () => {
  const store = new StateStore(root);
  store.reserve("c3");
  store.write({ ...state("c3", process.pid), startTime: processStartTime(process.pid) + 1 }); // a reused pid
  expect(containerStatus(store, store.read("c3"))).toBe("stopped");
  store.write(state("c3", process.pid));
  expect(containerStatus(store, store.read("c3"))).toBe("running");
  store.remove("c3");
});

// Ids are read without a regular expression (issue 9: a compiled Bun's first costs the short
// commands ~0.4 ms); the regexp it replaced is the oracle.
test("an id is accepted exactly as /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/ accepted it (seeded property)", () => {
  const ID = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
  const idish = fc.oneof(fc.string({ unit: fc.constantFrom(..."aZ09_.+-/ \n\0é@") }), fc.string(), fc.stringMatching(ID));
  fc.assert(fc.property(idish, (id) => expect(validIdChars(id)).toBe(ID.test(id))), { numRuns: 5000, seed: 9 });
  for (const id of ["a", "A.b-c_d+e", "0", "x\n", "\nx", "", ".", "..", "-a", "_a", "a/b", "a".repeat(1025)]) {
    const ok = ID.test(id) && id.length <= 1024 && id !== "." && id !== "..";
    if (ok) expect(() => checkId(id)).not.toThrow();
    else expect(() => checkId(id)).toThrow(/not a valid id/);
  }
});

test("a state.json of any shape (cut short, written by hand or by another tool) reads as a state of the right field types or is RUNTIME_STATE_INVALID, never another error (seeded property)", () => {
  const store = new StateStore(root);
  store.reserve("fuzzed");
  const good = JSON.stringify(state("fuzzed", process.pid));
  const text = fc.oneof(
    fc.json(),
    fc.string(),
    fc.nat({ max: good.length }).map((n) => good.slice(0, n)), // a write cut short
    fc.record({ id: fc.anything(), pid: fc.anything(), startTime: fc.anything(), creator: fc.anything(), cgroupDirs: fc.anything(), cgroupCreated: fc.anything(), bundle: fc.anything(), hooks: fc.anything() }).map((o) => JSON.stringify(o) ?? "null"),
  );
  fc.assert(
    fc.property(text, (t) => {
      writeFileSync(`${store.dir("fuzzed")}/state.json`, t);
      let s: ContainerState;
      try {
        s = store.read("fuzzed");
      } catch (e) {
        expect((e as { code?: string }).code).toBe("RUNTIME_STATE_INVALID");
        return;
      }
      expect([typeof s.id, typeof s.pid, typeof s.startTime, typeof s.creator, Array.isArray(s.cgroupDirs), Array.isArray(s.cgroupCreated), typeof s.bundle, typeof s.hooks]).toEqual(["string", "number", "number", "number", true, true, "string", "object"]);
    }),
    { numRuns: 1000, seed: 21 },
  );
  store.remove("fuzzed");
});
