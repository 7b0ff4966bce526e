import { expect, test } from "bun:test";
import { SkiffError } from "../../../common/errors.ts";
import { allCapabilities, containerCapabilities, DEFAULT_CAPABILITIES, processCapabilities } from "./capabilities.ts";

const LAST = 40; // CAP_CHECKPOINT_RESTORE, kernel 5.9 and later
const D = [...DEFAULT_CAPABILITIES];

test.each([
  ["no flags: docker's 14 defaults", {}, D],
  ["a drop and an add: drop in place, add appended", { capDrop: ["NET_RAW"], capAdd: ["sys_admin"] }, [...D.filter((c) => c !== "CAP_NET_RAW"), "CAP_SYS_ADMIN"]],
  ["CAP_ prefix and case do not matter", { capDrop: ["cap_chown", "Kill"] }, D.filter((c) => c !== "CAP_CHOWN" && c !== "CAP_KILL")],
  ["drop ALL keeps only the adds", { capDrop: ["ALL"], capAdd: ["CHOWN"] }, ["CAP_CHOWN"]],
  ["drop ALL alone leaves none", { capDrop: ["all"] }, []],
  ["an add wins over the same drop", { capAdd: ["NET_ADMIN"], capDrop: ["NET_ADMIN"] }, [...D, "CAP_NET_ADMIN"]],
  ["a default added again is kept once", { capAdd: ["CHOWN", "chown"] }, D],
] as const)("%s", (_, o, want) => {
  expect(containerCapabilities(o as never, LAST)).toEqual(want as unknown as string[]);
});

test("add ALL gives every capability the kernel knows but the drops, in number order", () => {
  const caps = containerCapabilities({ capAdd: ["ALL"], capDrop: ["SYS_ADMIN"] }, LAST);
  expect(caps).toHaveLength(40);
  expect(caps).not.toContain("CAP_SYS_ADMIN");
  expect(caps[0]).toBe("CAP_CHOWN");
  expect(caps.at(-1)).toBe("CAP_CHECKPOINT_RESTORE");
  expect(containerCapabilities({ capAdd: ["ALL"] }, 37)).toEqual(allCapabilities(37));
  expect(containerCapabilities({ capDrop: ["ALL"], capAdd: ["ALL"] }, 37)).toHaveLength(38);
});

test("--privileged gives every capability whatever is dropped", () => {
  expect(containerCapabilities({ privileged: true, capDrop: ["NET_RAW", "ALL"] }, LAST)).toEqual(allCapabilities(LAST));
});

test("an unknown capability is refused naming the flag", () => {
  const e = (() => {
    try {
      containerCapabilities({ capAdd: ["NET_ADMN"] }, LAST);
    } catch (x) {
      return x as SkiffError;
    }
  })();
  expect(e).toBeInstanceOf(SkiffError);
  expect(e!.code).toBe("ENGINE_UNKNOWN_CAPABILITY");
  expect(e!.message).toBe('--cap-add: unknown capability "NET_ADMN"');
});

test("root gets the set as bounding, effective and permitted; another user only bounding", () => {
  expect(processCapabilities(["CAP_KILL"], 0)).toEqual({ bounding: ["CAP_KILL"], effective: ["CAP_KILL"], inheritable: [], permitted: ["CAP_KILL"], ambient: [] });
  expect(processCapabilities(["CAP_KILL"], 33)).toEqual({ bounding: ["CAP_KILL"], effective: [], inheritable: [], permitted: [], ambient: [] });
});

test("only what the daemon's bounding set holds is granted: --privileged, ALL and the defaults give those of theirs it holds; a --cap-add of one it lacks is refused, naming it", () => {
  // root without CAP_SYS_RESOURCE (these machines), and without CAP_AUDIT_WRITE (a daemon in a container)
  const held = allCapabilities(LAST).filter((c) => c !== "CAP_SYS_RESOURCE" && c !== "CAP_AUDIT_WRITE");
  expect(containerCapabilities({ privileged: true }, LAST, held)).toEqual(held);
  expect(containerCapabilities({ capAdd: ["ALL"], capDrop: ["SYS_ADMIN"] }, LAST, held)).toEqual(held.filter((c) => c !== "CAP_SYS_ADMIN"));
  expect(containerCapabilities({}, LAST, held)).toEqual(D.filter((c) => c !== "CAP_AUDIT_WRITE"));
  expect(containerCapabilities({ capAdd: ["NET_ADMIN"] }, LAST, held)).toContain("CAP_NET_ADMIN");
  const e = (() => {
    try {
      containerCapabilities({ capAdd: ["sys_resource", "NET_ADMIN"] }, LAST, held);
    } catch (x) {
      return x as SkiffError;
    }
  })();
  expect([e?.code, e?.kind, e?.message]).toEqual(["ENGINE_CAPABILITY_UNAVAILABLE", "failed_precondition", "--cap-add CAP_SYS_RESOURCE: not in skiffd's own bounding set, so no container it starts can have it"]);
  expect(containerCapabilities({ privileged: true }, LAST)).toEqual(allCapabilities(LAST)); // (held unknown: all)
});
