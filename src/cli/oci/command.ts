// A skiff-oci command: its flags, usage line, argument count and what it does.
import type { StateStore } from "../../runtime/state-store.ts";
import type { FlagSpec, FlagValues } from "../args.ts";

export interface CommandContext {
  store: StateStore;
  flags: FlagValues;
  args: string[];
}

export interface Command {
  flags: FlagSpec[];
  usage: string;
  args: [min: number, max: number];
  /** Flags end at the first argument; the rest (a command line) is passed on as is. */
  stopAtArg?: boolean;
  /** The exit status when run fails (runc: 255 for exec, whose own statuses are the process's). */
  failureStatus?: number;
  run: (ctx: CommandContext) => Promise<number> | number;
}
