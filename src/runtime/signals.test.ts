import { expect, test } from "bun:test";
import { parseSignal } from "./signals.ts";

test.each([
  ["KILL", 9], ["SIGKILL", 9], ["kill", 9], ["9", 9], ["TERM", 15], ["SIGUSR1", 10], ["WINCH", 28], ["RTMIN", 34], ["RTMIN+3", 37], ["RTMAX-1", 63], ["64", 64],
])("%s is %d", (name, n) => expect(parseSignal(name)).toBe(n));

test.each(["0", "65", "SIGWINGS", "RTMIN+40", "", "-9"])("refuses %j", (name) => expect(() => parseSignal(name)).toThrow(/not a signal name or number/));
