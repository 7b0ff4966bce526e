import { expect, test } from "bun:test";
import { pidAlive } from "./pid-alive.ts";

test("a live process is alive; a zombie (exited, not reaped) and a pid that is gone are not", async () => {
  expect(pidAlive(process.pid)).toBe(true);
  expect(pidAlive(1)).toBe(true);
  // sh starts a short sleep, then becomes a long one that never reaps it: a zombie for 2 s
  const parent = Bun.spawn(["sh", "-c", "sleep 0.05 & echo $!; exec sleep 2"], { stdout: "pipe" });
  const reader = parent.stdout.getReader();
  const pid = Number(new TextDecoder().decode((await reader.read()).value).trim());
  await Bun.sleep(300);
  try {
    expect(pidAlive(pid)).toBe(false);
    expect(pidAlive(parent.pid)).toBe(true);
  } finally {
    parent.kill();
  }
  expect(pidAlive(2 ** 22 + 1)).toBe(false);
});
