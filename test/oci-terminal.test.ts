// Terminals: the pty master sent over --console-socket (as runc does, for containerd and
// conmon), and `run` in the foreground relaying a pty itself.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { bundleFactory, oci, REPO, SKIFF_OCI, tempDir } from "./harness/oci.ts";

const bundle = bundleFactory();

async function waitFor(cond: () => boolean, ms = 5000) {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(10)) if (cond()) return;
  throw new Error("timed out");
}

test("create --console-socket sends the pty master; the container's stdio is that terminal", async () => {
  const b = bundle(["sh", "-c", "read line; echo got $line; tty; stty size"], (c) => {
    c.process.terminal = true;
    c.process.consoleSize = { height: 33, width: 111 };
  });
  const socket = join(tempDir("console"), "sock");
  const receiver = Bun.spawn(["python3", join(REPO, "test/fixtures/recvtty.py"), socket], { stdin: new TextEncoder().encode("hello\n"), stdout: "pipe" });
  await waitFor(() => existsSync(socket));
  expect(oci("skiff", ["create", "--bundle", b.dir, "--console-socket", socket, b.id])).toMatchObject({ code: 0, stderr: "" });
  expect(oci("skiff", ["start", b.id]).code).toBe(0);
  const out = (await new Response(receiver.stdout).text()).replaceAll("\r", "");
  expect(out).toContain("name=/dev/ptmx\n");
  expect(out).toContain("got hello\n/dev/pts/0\n33 111\n");
  await receiver.exited;
});

test("run with a terminal and no console socket relays the pty and exits with the status", () => {
  const b = bundle(["sh", "-c", "tty; exit 5"], (c) => (c.process.terminal = true));
  const r = Bun.spawnSync(["script", "-qec", `${SKIFF_OCI} --root ${TEST_STATE_ROOT}/skiff run --bundle ${b.dir} ${b.id}`, "/dev/null"]);
  expect(r.stdout.toString().replaceAll("\r", "")).toContain("/dev/pts/0\n");
  expect(r.exitCode).toBe(5);
});
