// The commands for files in and out of containers and an image's history: cp, diff, export,
// commit (also as `skiff container …`) and history (also `skiff image history`).
import type { Command } from "./command.ts";

const files = () => import("./commands/files.ts");
const copying = () => import("./commands/cp.ts");

export const FILE_COMMANDS: Record<string, Command> = {
  cp: {
    usage: "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tskiff cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    summary: "Copy files/folders between a container and the local filesystem",
    flags: [
      { names: ["archive", "a"], type: "bool", help: "Archive mode (copy all uid/gid information)" },
      { names: ["follow-link", "L"], type: "bool", help: "Always follow symbol link in SRC_PATH" },
      { names: ["quiet", "q"], type: "bool", help: "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached" },
    ],
    args: [2, 2],
    run: async (c) => (await copying()).cp(c),
  },
  diff: { usage: "diff CONTAINER", summary: "Inspect changes to files or directories on a container's filesystem", flags: [], args: [1, 1], run: async (c) => (await files()).diff(c) },
  export: {
    usage: "export [OPTIONS] CONTAINER",
    summary: "Export a container's filesystem as a tar archive",
    flags: [{ names: ["output", "o"], type: "string", help: "Write to a file, instead of STDOUT" }],
    args: [1, 1],
    run: async (c) => (await files()).exportContainer(c),
  },
  commit: {
    usage: "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    summary: "Create a new image from a container's changes",
    flags: [
      { names: ["author", "a"], type: "string", help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
      { names: ["change", "c"], type: "strings", value: "list", help: "Apply Dockerfile instruction to the created image" },
      { names: ["message", "m"], type: "string", help: "Commit message" },
      { names: ["pause", "p"], type: "bool", help: "Pause container during commit (default true)" },
    ],
    args: [1, 2],
    run: async (c) => (await files()).commit(c),
  },
  history: {
    usage: "history [OPTIONS] IMAGE",
    summary: "Show the history of an image",
    flags: [
      { names: ["format"], type: "string", help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
      { names: ["human", "H"], type: "bool", help: "Print sizes and dates in human readable format (default true)" },
      { names: ["no-trunc"], type: "bool", help: "Don't truncate output" },
      { names: ["quiet", "q"], type: "bool", help: "Only show image IDs" },
    ],
    args: [1, 1],
    run: async (c) => (await files()).history(c),
  },
};

/** `skiff container SUB` for these. */
export const FILE_SUBCOMMANDS: Record<string, string> = { cp: "cp", diff: "diff", export: "export", commit: "commit" };
