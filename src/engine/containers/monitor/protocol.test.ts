import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderMonitorHeader } from "../../../../scripts/gen-monitor-header.ts";
import { ATTACH, REPLY, REQUEST, START_MSG, START_STEP, STREAM } from "./protocol.ts";

const NATIVE = join(import.meta.dir, "../../../../native");

describe("the monitor's protocol", () => {
  test("no number is used twice within a table", () => {
    const steps = Object.values(START_STEP).map((s) => s.code);
    for (const values of [Object.values(START_MSG), steps, Object.values(REQUEST), Object.values(REPLY), Object.values(STREAM)]) expect(new Set(values).size).toBe(values.length);
    const flags = Object.values(ATTACH);
    expect(flags.every((f) => (f & (f - 1)) === 0)).toBe(true); // single bits
    expect(new Set(flags).size).toBe(flags.length);
  });

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
