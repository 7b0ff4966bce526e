import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../../common/errors.ts";
import { parseExitFile, rfc3339Nano } from "./exit-file.ts";
import { decodeWait, describeWait } from "./wait-status.ts";
import { NO_INIT_STATUS } from "./protocol.ts";

describe("exit file", () => {
  test("status and time as docker reports them", () => {
    expect(parseExitFile("768 1700000000 123456789\n", "exit")).toEqual({ status: 768, exitCode: 3, finishedAt: "2023-11-14T22:13:20.123456789Z" });
    expect(parseExitFile("9 1700000000 000000000\n", "exit")).toEqual({ status: 9, exitCode: 137, signal: 9, coreDumped: false, finishedAt: "2023-11-14T22:13:20Z" });
  });

  test("Go's RFC3339Nano drops the fraction's trailing zeros", () => {
    expect(rfc3339Nano(0, 100_000_000)).toBe("1970-01-01T00:00:00.1Z");
    expect(rfc3339Nano(0, 1)).toBe("1970-01-01T00:00:00.000000001Z");
    expect(rfc3339Nano(0, 0)).toBe("1970-01-01T00:00:00Z");
  });

  test("anything else is refused with the file named", () => {
    for (const text of ["", "768 1700000000 1\n", "768\n", "x 1 000000000\n", "0 1 000000000"]) {
      let err: unknown;
      try {
        parseExitFile(text, "/run/c/exit");
      } catch (e) {
        err = e;
      }
      expect(isSkiffError(err) && err.code === "ENGINE_MONITOR_EXIT_FILE" && err.message.includes("/run/c/exit")).toBe(true);
    }
  });

  test("an exit the monitor could not learn (no pid file named the init): docker's 255, no signal", () => {
    expect(parseExitFile(`${NO_INIT_STATUS} 1700000000 000000000\n`, "exit")).toEqual({ status: NO_INIT_STATUS, exitCode: 255, finishedAt: "2023-11-14T22:13:20Z" });
    expect(describeWait(NO_INIT_STATUS)).toBe("ended unseen: no pid file named its process");
  });
  test("wait statuses", () => {
    expect(decodeWait(0)).toEqual({ exitCode: 0 });
    expect(decodeWait(0x8b)).toEqual({ exitCode: 139, signal: 11, coreDumped: true });
    expect(describeWait(9)).toBe("was killed by SIGKILL");
    expect(describeWait(1 << 8)).toBe("exited with status 1");
  });
});
