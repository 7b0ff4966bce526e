// A plan step: an op from ops.ts with its typed arguments and a phrase naming it for errors
// ("mount proc on /proc").
import { OPS, type FieldType, type OpName } from "./ops.ts";

type FieldValue<T extends FieldType> = T extends "u32"
  ? number
  : T extends "u64"
    ? bigint | number
    : T extends "str"
      ? string
      : T extends "strs"
        ? readonly string[]
        : T extends "u32s"
          ? readonly number[]
          : Uint8Array;

export type StepArgs<N extends OpName> = {
  [F in (typeof OPS)[N]["fields"][number] as F[0]]: FieldValue<F[1]>;
};

export interface Step<N extends OpName = OpName> {
  op: N;
  args: StepArgs<N>;
  /** What the step does, as an error message's action: "mount proc on /proc". */
  what: string;
  /** The config field the step comes from ("mounts[3]"), when errors should name it. */
  field?: string;
}

export const step = <N extends OpName>(op: N, args: StepArgs<N>, what: string, field?: string): Step =>
  (field === undefined ? { op, args, what } : { op, args, what, field }) as unknown as Step;
