// skiff-oci's commands on running containers: pause, resume, ps, update, events, features. This
// table (usage, flags, argument counts) is read on every call; what the commands do is in
// control-run.ts, loaded only when one of them runs.
import type { Command } from "./command.ts";

const run = () => import("./control-run.ts");

/** runc's update flags → linux.resources fields. */
export const UPDATE_FLAGS: [flag: string, path: string[], kind: "bytes" | "int" | "str"][] = [
  ["memory", ["memory", "limit"], "bytes"],
  ["memory-reservation", ["memory", "reservation"], "bytes"],
  ["memory-swap", ["memory", "swap"], "bytes"],
  ["kernel-memory", ["memory", "kernel"], "bytes"],
  ["kernel-memory-tcp", ["memory", "kernelTCP"], "bytes"],
  ["cpu-shares", ["cpu", "shares"], "int"],
  ["cpu-quota", ["cpu", "quota"], "int"],
  ["cpu-period", ["cpu", "period"], "int"],
  ["cpu-rt-period", ["cpu", "realtimePeriod"], "int"],
  ["cpu-rt-runtime", ["cpu", "realtimeRuntime"], "int"],
  ["cpuset-cpus", ["cpu", "cpus"], "str"],
  ["cpuset-mems", ["cpu", "mems"], "str"],
  ["pids-limit", ["pids", "limit"], "int"],
  ["blkio-weight", ["blockIO", "weight"], "int"],
];

export const CONTROL_COMMANDS: Record<string, Command> = {
  pause: { usage: "pause ID", flags: [], args: [1, 1], run: async (ctx) => (await run()).pause(ctx, true) },
  resume: { usage: "resume ID", flags: [], args: [1, 1], run: async (ctx) => (await run()).pause(ctx, false) },
  ps: { usage: "ps [--format table|json] ID [PS OPTIONS...]", flags: [{ names: ["format", "f"], type: "string" }], args: [1, Infinity], stopAtArg: true, run: async (ctx) => (await run()).ps(ctx) },
  update: {
    usage: "update [--resources FILE|-] [--memory N] [--cpu-quota N] [--pids-limit N] [...] ID",
    flags: [{ names: ["resources", "r"], type: "string" }, ...UPDATE_FLAGS.map(([flag]) => ({ names: [flag], type: "string" as const })), { names: ["l3-cache-schema"], type: "string" }, { names: ["mem-bw-schema"], type: "string" }],
    args: [1, 1],
    run: async (ctx) => (await run()).update(ctx),
  },
  events: { usage: "events [--stats] [--interval 5s] ID", flags: [{ names: ["stats"], type: "bool" }, { names: ["interval"], type: "string" }], args: [1, 1], run: async (ctx) => (await run()).events(ctx) },
  features: { usage: "features", flags: [], args: [0, 0], run: async () => (await run()).features() },
};
