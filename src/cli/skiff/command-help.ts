// `skiff COMMAND --help`, laid out as docker's CLI does: usage, summary, then the options sorted
// by long name with their value's name and one line each.
import type { FlagSpec } from "../args.ts";
import type { Command } from "./command.ts";

const VALUE: Record<FlagSpec["type"], string> = { bool: "", string: "string", int: "int", strings: "list" };

export function commandHelp(cmd: Command): string {
  const rows = [...cmd.flags]
    .sort((a, b) => long(a).localeCompare(long(b)))
    .map((f) => {
      const short = f.names.find((n) => n.length === 1);
      const value = f.value ?? VALUE[f.type];
      return { left: `${short ? `-${short}, ` : "    "}--${long(f)}${value ? ` ${value}` : ""}`, help: f.help ?? "" };
    });
  const width = Math.max(0, ...rows.map((r) => r.left.length));
  const options = rows.length ? `\nOptions:\n${rows.map((r) => `  ${r.left.padEnd(width)}   ${r.help}`.trimEnd()).join("\n")}\n` : "";
  return `\nUsage:  skiff ${cmd.usage}\n\n${cmd.summary}\n${options}`;
}

const long = (f: FlagSpec): string => f.names.find((n) => n.length > 1) ?? f.names[0]!;
