import { expect, test } from "bun:test";
import { boundingSetOf, capabilityMask, capabilityNames, capabilityNumber } from "./capabilities.ts";

test("names map to the kernel's numbers, with or without the CAP_ prefix", () => {
  expect(capabilityNumber("CAP_CHOWN", "x")).toBe(0);
  expect(capabilityNumber("net_raw", "x")).toBe(13);
  expect(capabilityNumber("CAP_CHECKPOINT_RESTORE", "x")).toBe(40);
  expect(() => capabilityNumber("CAP_FLY", "process.capabilities.bounding")).toThrow(/read process.capabilities.bounding: unknown capability "CAP_FLY"/);
});

test("masks leave out capabilities the kernel does not know", () => {
  expect(capabilityMask(["CAP_KILL", "CAP_BPF"], "x", 38)).toBe(1n << 5n);
  expect(capabilityNames(capabilityMask(["CAP_KILL", "CAP_BPF"], "x", 40))).toEqual(["CAP_KILL", "CAP_BPF"]);
});

test("boundingSetOf reads CapBnd from a /proc/PID/status text; all bits when the line is absent", () => {
  expect(capabilityNames(boundingSetOf("Name:\tx\nCapBnd:\t000001fffeffffff\n"))).not.toContain("CAP_SYS_RESOURCE");
  expect(capabilityNames(boundingSetOf("Name:\tx\nCapBnd:\t000001fffeffffff\n"))).toHaveLength(40);
  expect(boundingSetOf("Name:\tx\n")).toBe(0xffffffffffffffffn);
});
