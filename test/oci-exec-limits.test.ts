// Large environments: the launch plan carries whatever execve(2) takes (a quarter of the stack
// limit, ~2 MiB here) to the executor intact, as runc does; beyond the kernel's limits create
// refuses the config with the limit named, before anything is started.
import { expect, test } from "bun:test";
import { bundleFactory, oci, runBundle, type RuntimeName } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);
const MiB = 1024 * 1024;
const ARGV = ["/bin/env"];

/** An environment of about `bytes`, in variables of 30,000 bytes (each under MAX_ARG_STRLEN). */
function bigEnv(bytes: number): string[] {
  const env = ["PATH=/bin", "HOME=/root"];
  for (let i = 0; env.join("").length < bytes; i++) env.push(`V${i}=${String.fromCharCode(97 + (i % 26)).repeat(30000)}`);
  return env;
}

/** The bytes execve copies for ARGV and env: strings with NULs, the file name, a pointer each. */
const execBytes = (env: string[]) => 8 * (ARGV.length + env.length) + [...ARGV, ...env].reduce((n, s) => n + s.length + 1, 0) + ARGV[0]!.length + 1;

function runBoth(env: string[], edit: (c: any) => void = () => {}) {
  const out = {} as Record<RuntimeName, { code: number; stdout: string; stderr: string }>;
  for (const runtime of ["runc", "skiff"] as const) {
    const b = bundle(ARGV, (c) => {
      c.process.env = env;
      edit(c);
    });
    out[runtime] = runBundle(runtime, b);
    expect(oci(runtime, ["list", "-q"]).stdout).not.toContain(b.id);
  }
  return out;
}

for (const size of [325_000, 1_500_000])
  test(`an environment of ${size} bytes arrives intact, as under runc`, () => {
    const env = bigEnv(size);
    const out = runBoth(env);
    expect(out.runc).toEqual({ code: 0, stdout: env.map((e) => `${e}\n`).join(""), stderr: "" });
    expect(out.skiff).toEqual(out.runc);
  });

test("exactly the kernel's limit runs; one byte more is refused by create, naming the limit", () => {
  const env = ["PATH=/bin", "HOME=/root", ...Array.from({ length: 20 }, (_, i) => `V${i}=${"x".repeat(99990)}`)];
  env.push(`Z=${"z".repeat(2 * MiB - execBytes([...env, "Z="]))}`);
  expect(execBytes(env)).toBe(2 * MiB);
  const fits = runBoth(env);
  expect(fits.runc.code).toBe(0);
  expect(fits.skiff).toEqual(fits.runc);

  env[env.length - 1] += "z";
  const over = runBoth(env);
  expect(over.runc.code).not.toBe(0);
  expect(over.runc.stderr).toContain("argument list too long");
  expect(over.skiff.code).toBe(1);
  expect(over.skiff.stderr).toBe(
    "runtime: read config.json: process.args and process.env need 2097153 bytes in execve, more than the kernel's limit of 2097152 (ARG_MAX: a quarter of RLIMIT_STACK 8388608, at most 6291456) (RUNTIME_ARGS_TOO_LONG)\n" +
      "hint: shorten process.env or process.args, or raise RLIMIT_STACK in process.rlimits\n",
  );
});

test("a larger RLIMIT_STACK in the config raises the limit for both", () => {
  const env = bigEnv(3_000_000);
  const out = runBoth(env, (c) => (c.process.rlimits = [{ type: "RLIMIT_STACK", soft: 16 * MiB, hard: 16 * MiB }]));
  expect(out.runc.code).toBe(0);
  expect(out.skiff).toEqual(out.runc);
});

test("one variable longer than MAX_ARG_STRLEN is named", () => {
  const out = runBoth(["PATH=/bin", `BIG=${"x".repeat(200000)}`]);
  expect(out.runc.stderr).toContain("argument list too long");
  expect(out.skiff.code).toBe(1);
  expect(out.skiff.stderr).toStartWith("runtime: read config.json: process.env[1] is 200004 bytes, more than the kernel takes in one argument or environment string: 131071 (MAX_ARG_STRLEN) (RUNTIME_ARGS_TOO_LONG)\nhint: ");
});
