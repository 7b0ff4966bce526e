import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { checkExecLimits, execArgLimit } from "./exec-limits.ts";

const MiB = 1024 * 1024;
const base = { argv: ["sh"], env: [], fileBytes: 7, stackLimit: 8 * MiB, pageSize: 4096, pointerSize: 8 };

function messageOf(input: Parameters<typeof checkExecLimits>[0]): string {
  try {
    checkExecLimits(input);
    return "ok";
  } catch (e) {
    if (!isSkiffError(e)) throw e;
    return e.message;
  }
}

describe("execArgLimit (the kernel's bprm_stack_limits)", () => {
  test.each([
    [8 * MiB, 2 * MiB],
    [64 * MiB, 6 * MiB],
    [Infinity, 6 * MiB],
    [256 * 1024, 128 * 1024],
    [1024, 128 * 1024],
  ])("stack %d allows %d bytes", (stack, limit) => expect(execArgLimit(stack, 4096)).toBe(limit));
});

describe("checkExecLimits", () => {
  test("accepts exactly the limit: strings with their NULs, the file name and a pointer each", () => {
    // pointers 8 * (1 + 21), "sh\0" 3, the file name 7 + 1, twenty strings of 100000 with their NULs
    const env = [...Array.from({ length: 20 }, () => "x".repeat(99999)), "x".repeat(2 * MiB - 2000188)];
    expect(messageOf({ ...base, env })).toBe("ok");
    env[20] += "x";
    expect(messageOf({ ...base, env })).toMatch(/need 2097153 bytes in execve, more than the kernel's limit of 2097152 \(ARG_MAX: a quarter of RLIMIT_STACK 8388608/);
  });

  test("a larger stack limit lets more through, up to 6 MiB", () => {
    const env = Array.from({ length: 30 }, () => "x".repeat(100000));
    expect(messageOf({ ...base, env })).toMatch(/more than the kernel's limit of 2097152/);
    expect(messageOf({ ...base, env, stackLimit: 16 * MiB })).toBe("ok");
    expect(messageOf({ ...base, env: [...env, ...env, ...env], stackLimit: Infinity })).toMatch(/limit of 6291456 \(ARG_MAX: a quarter of RLIMIT_STACK unlimited/);
  });

  test("one string longer than MAX_ARG_STRLEN is named", () => {
    expect(messageOf({ ...base, env: ["A=1", "B=" + "x".repeat(131069)] })).toBe("ok");
    expect(messageOf({ ...base, env: ["A=1", "B=" + "x".repeat(131070)] })).toBe(
      "read config.json: process.env[1] is 131072 bytes, more than the kernel takes in one argument or environment string: 131071 (MAX_ARG_STRLEN)",
    );
    expect(messageOf({ ...base, argv: ["sh", "-c", "é".repeat(70000)] })).toMatch(/^read config.json: process.args\[2\] is 140000 bytes/);
  });

  test("many short strings count their pointers", () => {
    expect(messageOf({ ...base, env: Array.from({ length: 190000 }, () => "A=") })).toBe("ok");
    expect(messageOf({ ...base, env: Array.from({ length: 191000 }, () => "A=") })).toMatch(/need 2101019 bytes/);
  });
});
