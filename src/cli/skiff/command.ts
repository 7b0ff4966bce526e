// What a skiff command is: its flags, how many arguments it takes, and a runner loaded on use.
import type { ApiClient } from "../../api/client.ts";
import type { FlagSpec, FlagValues } from "../args.ts";

export interface CommandContext {
  client: ApiClient;
  flags: FlagValues;
  args: string[];
}

export interface Command {
  usage: string;
  /** One line for --help, docker's words. */
  summary: string;
  flags: FlagSpec[];
  /** [min, max] arguments; max -1 for any number. */
  args: [number, number];
  /** false: flags end at the first argument, what follows is the command's own (docker's run, exec, top). */
  interspersed?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const strs = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
