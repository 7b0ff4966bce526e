import { expect, test } from "bun:test";
import { boundingSetOf, capabilityMask, capabilityNames } from "./capabilities.ts";

test("masks leave out, and name, capabilities the kernel or the runtime does not know, and names not written as capabilities(7) writes them, as runc", () => {
  const ignored: string[] = [];
  expect(capabilityMask(["CAP_KILL", "CAP_BPF", "CAP_FLY", "net_raw"], 38, ignored)).toBe(1n << 5n);
  expect(ignored).toEqual(["CAP_BPF", "CAP_FLY", "net_raw"]);
  expect(capabilityNames(capabilityMask(["CAP_KILL", "CAP_BPF"], 40))).toEqual(["CAP_KILL", "CAP_BPF"]);
  expect(capabilityMask(["CAP_CHECKPOINT_RESTORE"], 40)).toBe(1n << 40n);
});

test("boundingSetOf reads CapBnd from a /proc/PID/status text; all bits when the line is absent", () => {
  expect(capabilityNames(boundingSetOf("Name:\tx\nCapBnd:\t000001fffeffffff\n"))).not.toContain("CAP_SYS_RESOURCE");
  expect(capabilityNames(boundingSetOf("Name:\tx\nCapBnd:\t000001fffeffffff\n"))).toHaveLength(40);
  expect(boundingSetOf("Name:\tx\n")).toBe(0xffffffffffffffffn);
});
