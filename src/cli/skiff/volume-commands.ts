// skiff volume's subcommands (docker's names, usage lines, flags and help words), each loading its
// module when it runs; main.ts adds them to its table under "volume SUB".
import type { FlagSpec } from "../args.ts";
import type { Command } from "./command.ts";

const volumes = () => import("./commands/volumes.ts");

const FILTER: FlagSpec = { names: ["filter", "f"], type: "strings", value: "filter", help: "Provide filter values (e.g. 'dangling=true')" };
const FORMAT: FlagSpec = { names: ["format"], type: "string", help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" };

export const VOLUME_COMMANDS: Record<string, Command> = {
  "volume create": {
    usage: "volume create [OPTIONS] [VOLUME]",
    summary: "Create a volume",
    flags: [
      { names: ["driver", "d"], type: "string", help: 'Specify volume driver name (default "local")' },
      { names: ["label"], type: "strings", value: "list", help: "Set metadata for a volume" },
      { names: ["name"], type: "string", help: "Specify volume name" },
      { names: ["opt", "o"], type: "strings", value: "map", help: "Set driver specific options (default map[])" },
    ],
    args: [0, 1],
    run: async (c) => (await volumes()).createVolume(c),
  },
  "volume ls": {
    usage: "volume ls [OPTIONS]",
    summary: "List volumes",
    flags: [FILTER, FORMAT, { names: ["quiet", "q"], type: "bool", help: "Only display volume names" }],
    args: [0, 0],
    run: async (c) => (await volumes()).listVolumes(c),
  },
  "volume inspect": {
    usage: "volume inspect [OPTIONS] VOLUME [VOLUME...]",
    summary: "Display detailed information on one or more volumes",
    flags: [{ names: ["format", "f"], type: "string", help: "Format output using a custom template: 'json' or a Go template" }],
    args: [1, -1],
    run: async (c) => (await volumes()).inspectVolumes(c),
  },
  "volume rm": {
    usage: "volume rm [OPTIONS] VOLUME [VOLUME...]",
    summary: "Remove one or more volumes",
    flags: [{ names: ["force", "f"], type: "bool", help: "Force the removal of one or more volumes" }],
    args: [1, -1],
    run: async (c) => (await volumes()).removeVolumes(c),
  },
  "volume prune": {
    usage: "volume prune [OPTIONS]",
    summary: "Remove unused local volumes",
    flags: [
      { names: ["all", "a"], type: "bool", help: "Remove all unused volumes, not just anonymous ones" },
      FILTER,
      { names: ["force", "f"], type: "bool", help: "Do not prompt for confirmation" },
    ],
    args: [0, 0],
    run: async (c) => (await volumes()).pruneVolumes(c),
  },
};

/** `volume SUB` and its aliases (docker's: ls/list, rm/remove). */
export const VOLUME_SUBCOMMANDS: Record<string, string> = { create: "volume create", ls: "volume ls", list: "volume ls", inspect: "volume inspect", rm: "volume rm", remove: "volume rm", prune: "volume prune" };

export const VOLUME_USAGE = `Usage:  skiff volume COMMAND

Manage volumes

Commands:
  create      Create a volume
  inspect     Display detailed information on one or more volumes
  ls          List volumes
  prune       Remove unused local volumes
  rm          Remove one or more volumes

Run 'skiff volume COMMAND --help' for more information on a command.
`;
