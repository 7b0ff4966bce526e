// The monitor's records are written once, in src/engine/containers/monitor/protocol.ts: the C
// header is generated from it, and the C sources use the generated names only.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REQUEST, START_STEP } from "../src/engine/containers/monitor/protocol.ts";
import { renderMonitorHeader } from "../scripts/gen-monitor-header.ts";
import { REPO } from "./harness/oci.ts";

const NATIVE = join(REPO, "native");

describe("the monitor's protocol in C", () => {
  test("the C header is generated from this file, and the build's copy is current", () => {
    const header = renderMonitorHeader();
    expect(header).toContain(`#define STEP_PID_FILE ${START_STEP.pidFile.code}`);
    expect(header).toContain(`#define REQ_RESIZE ${REQUEST.resize}`);
    const built = join(NATIVE, "gen/monitor.h");
    if (existsSync(built)) expect(readFileSync(built, "utf8")).toBe(header);
  });

  test("the C sources write no protocol number by hand", () => {
    for (const file of ["main.c", "clients.c", "spawn.c", "log.c"]) {
      const src = readFileSync(join(NATIVE, "monitor", file), "utf8");
      // records are built only from the generated names: { MSG_…, STEP_…, errno, value }
      expect(src).not.toMatch(/report\(\s*\d/);
      expect(src).not.toMatch(/reply\([^,]+,\s*\d/);
      expect(src).not.toMatch(/->type == \d|r->a == \d/);
    }
  });
});
