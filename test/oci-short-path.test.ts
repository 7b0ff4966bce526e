// skiff-oci's short commands (start, state, kill, delete) take short.ts's path for their plain
// calls and main.ts's for any other form (issue 9). Both must answer alike: every call here runs
// in both forms (a --debug=false, which only main.ts reads, sends it through main.ts) and the
// exit status, stdout and stderr must be the same.
import { expect, test } from "bun:test";
import { bundleFactory, oci, type Result } from "./harness/oci.ts";

const bundle = bundleFactory();

/** The call by both paths; returns the short path's result once both agree. */
function both(args: string[]): Result {
  const short = oci("skiff", args);
  const main = oci("skiff", ["--debug=false", ...args]);
  expect({ args, ...short }).toEqual({ args, ...main });
  return short;
}

const waitFor = async (cond: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(10)) if (cond()) return;
  throw new Error("timed out waiting");
};

test("state, start, kill and delete answer alike by either path, through a container's life", async () => {
  const b = bundle(["sleep", "30"]);
  expect(oci("skiff", ["create", "--bundle", b.dir, b.id]).code).toBe(0);
  expect(JSON.parse(both(["state", b.id]).stdout).status).toBe("created");
  expect(both(["kill", b.id, "NOSUCHSIGNAL"]).code).toBe(1);
  expect(both(["kill", b.id, "RTMAX+1"]).code).toBe(1);
  expect(both(["kill", b.id, "0"]).code).toBe(0); // a check, as runc's
  expect(both(["kill", b.id, "cont"]).code).toBe(0);
  expect(both(["kill", "-a", b.id, "SIGCONT"]).code).toBe(0);
  expect(both(["delete", "no-such-container"]).code).toBe(1);
  expect(both(["delete", "--force", "no-such-container"]).code).toBe(0);
  expect(both(["state", "no-such-container"]).code).toBe(1);
  expect(both(["state", "bad/id"]).code).toBe(1);
  expect(both(["start", ".."]).code).toBe(1);
  expect(oci("skiff", ["start", b.id]).code).toBe(0);
  expect(both(["start", b.id]).code).toBe(1); // not created any more
  expect(JSON.parse(both(["state", b.id]).stdout).status).toBe("running");
  expect(both(["delete", b.id]).code).toBe(1); // running, without --force
  expect(oci("skiff", ["kill", "--all", b.id, "KILL"]).code).toBe(0);
  await waitFor(() => oci("skiff", ["state", b.id]).stdout.includes('"stopped"'));
  expect(both(["state", b.id]).stdout).toContain('"pid": 0');
  expect(both(["kill", b.id, "KILL"]).code).toBe(1); // stopped
  expect(both(["kill", "--all", b.id, "KILL"]).code).toBe(0); // stopped, with --all: as runc
  expect(oci("skiff", ["delete", b.id]).code).toBe(0);
  expect(both(["state", b.id]).code).toBe(1);
});
