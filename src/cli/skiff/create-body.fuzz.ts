// Properties of the create body (create-body.ts) for fast-check: a short seeded run in
// create-body.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - anyFlags: any of create's and run's flags with any values (numbers, sizes, paths, specs,
//   hostile text) give a body that is JSON and round-trips, or a cli-layer SkiffError with a code
//   and a hint; never another error.
// - sizes: a size docker reads ("64m", "1.5g", "100kb") is that many bytes, whatever its case.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import type { FlagValues } from "../args.ts";
import { createRequest } from "./create-body.ts";
import { RUN_FLAGS } from "./create-flags.ts";
import { ramInBytes } from "./container-values.ts";

const pieces = ["", "-", "-1", "0", "1", "1.5", "64m", "1g", "3/2", "1e3", "x", ":", "/", "/dev/null", "/a:/b", "/a:/b:ro", "a=b", "=", "nofile=1:2", "rwm", "ctrl-p", "seccomp=unconfined", "__proto__", "constructor", "\u0000", "é", "9223372036854775808", "always", "on-failure:3", "none", "host", "stdin", "STDOUT", "1s", "-1s", "500ms", "1h30m", "1.5", "30", "/dev/sda:1mb", "/dev/vda:100", "container:x", "container:", "private", "shareable"];
const value = fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 12 }), fc.array(fc.constantFrom(...pieces), { maxLength: 4 }).map((p) => p.join("")));

const flagsArb = fc
  .array(fc.tuple(fc.constantFrom(...RUN_FLAGS), value, fc.boolean()), { maxLength: 8 })
  .map((entries) => {
    const flags: FlagValues = {};
    for (const [spec, v, b] of entries) {
      const key = spec.names[0]!;
      if (spec.type === "bool") flags[key] = b;
      else if (spec.type === "strings") flags[key] = [...((flags[key] as string[] | undefined) ?? []), v];
      else flags[key] = v;
    }
    return flags;
  });

export const anyFlags = () =>
  fc.property(flagsArb, fc.array(fc.constantFrom("busybox", "sh", "-c", "", "x y"), { minLength: 1, maxLength: 3 }), (flags, args) => {
    try {
      const { body } = createRequest(flags, args, { env: { HOME: "/root" }, cwd: "/tmp" });
      if (JSON.stringify(JSON.parse(JSON.stringify(body))) !== JSON.stringify(body)) throw new Error("the body does not round-trip through JSON");
    } catch (e) {
      if (!isSkiffError(e) || e.layer !== "cli" || !e.code.startsWith("CLI_") || !e.hint) throw e;
    }
  });

export const sizes = () =>
  fc.property(fc.nat(100_000), fc.constantFrom(["", 1], ["b", 1], ["k", 1024], ["kb", 1024], ["KiB", 1024], ["m", 1024 ** 2], ["MB", 1024 ** 2], ["g", 1024 ** 3], ["Gi", NaN]), (n, [unit, mul]) => {
    const got = ramInBytes(`${n}${unit}`);
    if (Number.isNaN(mul)) return typeof got === "string";
    if (got !== n * (mul as number)) throw new Error(`${n}${unit} read as ${got}`);
  });

export const CREATE_PROPERTIES: Record<"anyFlags" | "sizes", () => fc.IRawProperty<any>> = { anyFlags, sizes };
