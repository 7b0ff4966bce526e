import { expect, test } from "bun:test";
import { failure } from "../../../common/failure.ts";
import { splitPullReference } from "./transfer.ts";

test("splitPullReference: name and tag (or digest); a malformed reference fails with its reason", async () => {
  const d = `sha256:${"a".repeat(64)}`;
  expect(splitPullReference("busybox")).toEqual(["busybox", "latest"]);
  expect(splitPullReference("h:5000/a:1")).toEqual(["h:5000/a", "1"]);
  expect(splitPullReference(`a@${d}`)).toEqual(["a", d]);
  expect((await failure(() => splitPullReference("foo:bad tag"))).message).toContain('invalid tag "bad tag"');
  expect((await failure(() => splitPullReference(""))).message).toContain("empty reference");
  expect((await failure(() => splitPullReference("Bad/Ref"))).message).toContain('repository name "Bad/Ref" must be lowercase');
  expect((await failure(() => splitPullReference("foo/Bar:1"))).message).toContain('repository name "foo/Bar" must be lowercase');
});
