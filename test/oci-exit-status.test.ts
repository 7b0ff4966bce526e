// Every verb's exit status in its failure cases is runc's (engines and scripts branch on them):
// each case runs under runc and skiff-oci against containers in each state, and the statuses
// must match case by case.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFactory, oci, tempDir, type Bundle, type RuntimeName } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);

/** A case's arguments; R, C, S, P stand for a running, created, stopped and paused container. */
const CASES: [name: string, args: string[], opts?: { cwd?: "spec" }][] = [
  ["no command", []],
  ["an unknown command", ["nosuch"]],
  ["an unknown global flag", ["--nosuch", "list"]],
  ["state of a missing container", ["state", "nope"]],
  ["state without an id", ["state"]],
  ["create with an id in use", ["create", "--bundle", "{R.dir}", "R"]],
  ["create from a missing bundle", ["create", "--bundle", "/nonexistent", "new"]],
  ["run of a program that does not exist", ["run", "--bundle", "{N.dir}", "N"]],
  ["start of a missing container", ["start", "nope"]],
  ["start of a running container (start twice)", ["start", "R"]],
  ["start of a stopped container", ["start", "S"]],
  ["start of a paused container", ["start", "P"]],
  ["kill of a missing container", ["kill", "nope"]],
  ["kill with an unknown signal", ["kill", "R", "NOSIG"]],
  ["kill of a stopped container", ["kill", "S"]],
  ["kill with signal 0 (a check, no signal)", ["kill", "R", "0"]],
  ["kill with signal 0 of a stopped container", ["kill", "S", "0"]],
  ["kill --all of a stopped container", ["kill", "--all", "S", "KILL"]],
  ["delete of a missing container", ["delete", "nope"]],
  ["delete of a running container", ["delete", "R"]],
  ["delete of a paused container", ["delete", "P"]],
  ["delete --force of a missing container", ["delete", "--force", "nope"]],
  ["exec without arguments", ["exec"]],
  ["exec with an unknown flag", ["exec", "--nosuch", "R", "true"]],
  ["exec in a missing container", ["exec", "nope", "true"]],
  ["exec of a program that does not exist", ["exec", "R", "nosuchcmd"]],
  ["exec of a program that exits 3", ["exec", "R", "sh", "-c", "exit 3"]],
  ["exec without a command", ["exec", "R"]],
  ["exec in a stopped container", ["exec", "S", "true"]],
  ["exec in a paused container", ["exec", "P", "true"]],
  ["exec with a user that is not a number", ["exec", "--user", "abc", "R", "true"]],
  ["exec with an --env entry without =", ["exec", "-e", "NOEQ", "R", "true"]],
  ["exec in a missing directory", ["exec", "--cwd", "/nonexistent", "R", "true"]],
  ["pause of a missing container", ["pause", "nope"]],
  ["pause of a paused container", ["pause", "P"]],
  ["pause of a stopped container", ["pause", "S"]],
  ["resume of a missing container", ["resume", "nope"]],
  ["resume of a running container", ["resume", "R"]],
  ["resume of a stopped container", ["resume", "S"]],
  ["ps of a missing container", ["ps", "nope"]],
  ["ps of a stopped container", ["ps", "S"]],
  ["update of a missing container", ["update", "--memory", "10m", "nope"]],
  ["update with a bad value", ["update", "--memory", "lots", "R"]],
  ["update of a stopped container", ["update", "--memory", "64m", "S"]],
  ["events of a missing container", ["events", "--stats", "nope"]],
  ["events of a stopped container", ["events", "--stats", "S"]],
  ["list in an unknown format", ["list", "--format", "xml"]],
  ["spec where config.json exists", ["spec"], { cwd: "spec" }],
  ["pause of a created container", ["pause", "C"]],
  ["resume of it", ["resume", "C"]],
  ["delete of a created container (no --force)", ["delete", "C"]],
  // (last: it stops P)
  ["kill KILL of a paused container (thawed: it stops)", ["kill", "P", "KILL"]],
];

async function statuses(runtime: RuntimeName): Promise<Record<string, number>> {
  const c: Record<string, Bundle> = {
    R: bundle(["sleep", "30"]), C: bundle(["sleep", "30"]), S: bundle(["true"]), P: bundle(["sleep", "30"]), N: bundle(["nosuchcmd"]),
  };
  expect(oci(runtime, ["run", "--detach", "--bundle", c.R!.dir, c.R!.id]).code).toBe(0);
  expect(oci(runtime, ["create", "--bundle", c.C!.dir, c.C!.id]).code).toBe(0);
  expect(oci(runtime, ["run", "--detach", "--bundle", c.S!.dir, c.S!.id]).code).toBe(0);
  expect(oci(runtime, ["run", "--detach", "--bundle", c.P!.dir, c.P!.id]).code).toBe(0);
  expect(oci(runtime, ["pause", c.P!.id]).code).toBe(0);
  for (let i = 0; i < 300 && !oci(runtime, ["state", c.S!.id]).stdout.includes('"stopped"'); i++) await Bun.sleep(10);
  const specDir = tempDir("spec");
  writeFileSync(join(specDir, "config.json"), "{}");
  const out: Record<string, number> = {};
  for (const [name, args, opts] of CASES) {
    const real = args.map((a) => a.replace(/^\{(\w)\.dir\}$/, (_, k: string) => c[k]!.dir).replace(/^[RCSPN]$/, (k) => c[k]!.id));
    out[name] = oci(runtime, real, { cwd: opts?.cwd ? specDir : undefined }).code;
  }
  oci(runtime, ["resume", c.P!.id]);
  return out;
}

test("every verb's failure cases exit as runc's do", async () => {
  const runc = await statuses("runc");
  const skiff = await statuses("skiff");
  expect(skiff).toEqual(runc);
  // the ones a new user met, spelled out
  expect(skiff["exec of a program that does not exist"]).toBe(255);
  expect(skiff["an unknown command"]).toBe(3);
}, 60000);
