import { expect, test } from "bun:test";
import type { ContainerRecord } from "../record.ts";
import { mountAt, writeRefusal } from "./mount-paths.ts";

const r = (options: Partial<ContainerRecord["options"]>) => ({ options }) as ContainerRecord;
const c = r({
  binds: [{ source: "/host/data", destination: "/data", readOnly: false }, { source: "/host/ro", destination: "/data/ro/", readOnly: true }],
  volumes: [{ name: "v", destination: "/vol", readOnly: false, origin: "binds", mode: "" }],
  tmpfs: [{ destination: "/run", options: "" }],
});

test("the innermost mount holding a path, with the path below it", () => {
  expect(mountAt(c, "/data/x")).toMatchObject({ kind: "bind", source: "/host/data", rest: "/x" });
  expect(mountAt(c, "/data/ro/y")).toMatchObject({ kind: "bind", source: "/host/ro", readOnly: true, rest: "/y" });
  expect(mountAt(c, "/data")).toMatchObject({ kind: "bind", rest: "/" });
  expect(mountAt(c, "/datax")).toBeUndefined();
  expect(mountAt(c, "/vol/a")).toMatchObject({ kind: "volume", rest: "/a" });
  expect(mountAt(c, "/run/x")).toMatchObject({ kind: "tmpfs" });
});

test("dockerd's refusals: a read-only mount, the root of a --read-only container outside its mounts", () => {
  expect(writeRefusal(c, "/data/ro/z")).toBe("mounted volume is marked read-only");
  expect(writeRefusal(c, "/data/z")).toBeUndefined();
  expect(writeRefusal(r({ readOnly: true }), "/etc")).toBe("container rootfs is marked read-only");
  expect(writeRefusal(r({ readOnly: true, tmpfs: [{ destination: "/tmp", options: "" }] }), "/tmp/x")).toBeUndefined();
});
