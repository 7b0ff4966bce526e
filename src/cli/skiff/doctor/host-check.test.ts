// skiff doctor's printout: grouped by area, what a missing piece breaks and the hint under it, and
// the count at the end.
import { expect, test } from "bun:test";
import { renderChecks, type HostCheck } from "./host-check.ts";

test("findings grouped by area, breaks and hint under a missing one, a count at the end", () => {
  const checks: HostCheck[] = [
    { area: "kernel", name: "openat2", status: "ok", found: "available (since Linux 5.6)" },
    { area: "filesystems", name: "overlayfs", status: "missing", found: "not in /proc/filesystems", breaks: "every container", hint: "modprobe overlay", needed: true },
    { area: "networking", name: "iptables", status: "warning", found: "not found", breaks: "published ports" },
  ];
  expect(renderChecks(checks)).toBe(
    [
      "Kernel",
      "  ok       openat2    available (since Linux 5.6)",
      "",
      "File systems",
      "  MISSING  overlayfs  not in /proc/filesystems",
      "                      breaks: every container",
      "                      hint: modprobe overlay",
      "",
      "Networking",
      "  WARNING  iptables   not found",
      "                      breaks: published ports",
      "",
      "1 missing (1 needed to run containers), 1 warning",
      "",
    ].join("\n"),
  );
  expect(renderChecks([checks[0]!]).endsWith("\nEverything skiff uses is here.\n")).toBe(true);
});
