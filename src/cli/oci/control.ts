// skiff-oci's commands on running containers: pause, resume, ps, update, events, features. This
// table (usage, flags, argument counts) is read on every call; what the commands do is in
// control-run.ts, loaded only when one of them runs.
import type { Command } from "./command.ts";
import { UPDATE_FLAGS } from "./update-flags.ts";

const run = () => import("./control-run.ts");

export const CONTROL_COMMANDS: Record<string, Command> = {
  pause: { usage: "pause ID", flags: [], args: [1, 1], run: async (ctx) => (await run()).pause(ctx, true) },
  resume: { usage: "resume ID", flags: [], args: [1, 1], run: async (ctx) => (await run()).pause(ctx, false) },
  ps: { usage: "ps [--format table|json] ID [PS OPTIONS...]", flags: [{ names: ["format", "f"], type: "string" }], args: [1, Infinity], stopAtArg: true, run: async (ctx) => (await run()).ps(ctx) },
  update: {
    usage: "update [--resources FILE|-] [--memory N] [--cpu-quota N] [--pids-limit N] [...] ID",
    flags: [{ names: ["resources", "r"], type: "string" }, ...UPDATE_FLAGS.map(([flag, , , aliases]) => ({ names: [flag, ...(aliases ?? [])], type: "string" as const })), { names: ["l3-cache-schema"], type: "string" }, { names: ["mem-bw-schema"], type: "string" }],
    args: [1, 1],
    run: async (ctx) => (await run()).update(ctx),
  },
  events: { usage: "events [--stats] [--interval 5s] ID", flags: [{ names: ["stats"], type: "bool" }, { names: ["interval"], type: "string" }], args: [1, 1], run: async (ctx) => (await run()).events(ctx) },
  features: { usage: "features", flags: [], args: [0, 0], run: async () => (await run()).features() },
};
