// The create body beyond what test/skiff-create-body.test.ts compares with docker 28: the
// terminal's size, run -d, and any flags at all (a seeded property; scripts/fuzz.ts
// runs it long): a body that is JSON, or a cli-layer error with a hint, never another error.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { CREATE_PROPERTIES } from "./create-body.fuzz.ts";
import { createRequest } from "./create-body.ts";

test("-t on a terminal: the container starts at its size", () => {
  expect(createRequest({ tty: true }, ["busybox"], { consoleSize: [40, 120] }).body.HostConfig.ConsoleSize).toEqual([40, 120]);
  expect(createRequest({}, ["busybox"]).body.HostConfig.ConsoleSize).toEqual([0, 0]);
});

test("run -d attaches nothing, and refuses -a", () => {
  const { body } = createRequest({ interactive: true }, ["busybox"], { detach: true });
  expect([body.AttachStdin, body.AttachStdout, body.AttachStderr, body.OpenStdin, body.StdinOnce]).toEqual([false, false, false, true, false]);
  expect(() => createRequest({ attach: ["stdout"] }, ["busybox"], { detach: true })).toThrow("Conflicting options: -a and -d");
});

test("the name, the platform and the pull policy travel beside the body", () => {
  expect(createRequest({ name: "web", platform: "linux/arm64", pull: "never", quiet: true }, ["busybox"])).toMatchObject({ name: "web", platform: "linux/arm64", pull: "never", quiet: true });
  expect(createRequest({}, ["busybox"]).pull).toBe("missing");
});

for (const [name, property] of Object.entries(CREATE_PROPERTIES)) test(`${name} (property, seeded)`, () => fc.assert(property(), { seed: 13, numRuns: 2000 }), 30_000);
