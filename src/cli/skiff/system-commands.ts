// skiff's stats and system commands (docker's names, usage lines, flags and help words), each
// loading its module when it runs: `skiff stats`, and `skiff system df|events|info|prune`
// (events and info are the top-level commands of those names).
import type { Command } from "./command.ts";

const statsMod = () => import("./commands/stats.ts");
const dfMod = () => import("./commands/system-df.ts");
const pruneMod = () => import("./commands/system-prune.ts");

export const STATS: Command = {
  usage: "stats [OPTIONS] [CONTAINER...]",
  summary: "Display a live stream of container(s) resource usage statistics",
  flags: [
    { names: ["all", "a"], type: "bool", help: "Show all containers (default shows just running)" },
    { names: ["format"], type: "string", help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
    { names: ["no-stream"], type: "bool", help: "Disable streaming stats and only pull the first result" },
    { names: ["no-trunc"], type: "bool", help: "Do not truncate output" },
  ],
  args: [0, -1],
  run: async (c) => (await statsMod()).stats(c),
};

/** Reached as `skiff system df` and `skiff system prune` only. */
export const SYSTEM_ONLY: Record<string, Command> = {
  "system-df": {
    usage: "system df [OPTIONS]",
    summary: "Show docker disk usage",
    flags: [
      { names: ["format"], type: "string", help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
      { names: ["verbose", "v"], type: "bool", help: "Show detailed information on space usage" },
    ],
    args: [0, 0],
    run: async (c) => (await dfMod()).df(c),
  },
  "system-prune": {
    usage: "system prune [OPTIONS]",
    summary: "Remove unused data",
    flags: [
      { names: ["all", "a"], type: "bool", help: "Remove all unused images not just dangling ones" },
      { names: ["filter"], type: "strings", value: "filter", help: 'Provide filter values (e.g. "label=<key>=<value>")' },
      { names: ["force", "f"], type: "bool", help: "Do not prompt for confirmation" },
      { names: ["volumes"], type: "bool", help: "Prune anonymous volumes" },
    ],
    args: [0, 0],
    run: async (c) => (await pruneMod()).systemPrune(c),
  },
};

/** `skiff system SUB` → the command it names. */
export const SYSTEM_SUBCOMMANDS: Record<string, string> = { df: "system-df", events: "events", info: "info", prune: "system-prune" };

export const SYSTEM_USAGE = `Usage:  skiff system COMMAND

Manage skiff

Commands:
  df          Show docker disk usage
  events      Get real time events from the server
  info        Display system-wide information
  prune       Remove unused data

Run 'skiff system COMMAND --help' for more information on a command.
`;
