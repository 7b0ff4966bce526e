// Per-operation traces for a program doing many things at once (skiffd): `traced(fn)` runs fn
// with a chain of its own, which every `mark` in fn's asynchronous course adds to. Kept apart from
// trace.ts so that programs with one chain (skiff-oci) do not load node:async_hooks.
import { AsyncLocalStorage } from "node:async_hooks";
import { setTraceScope, type TraceStep } from "./trace.ts";

const current = new AsyncLocalStorage<TraceStep[]>();
setTraceScope(() => current.getStore());

/** Runs fn with a chain of its own; returns the chain (which goes on filling while fn's work does). */
export function traced<T>(fn: () => T): { steps: TraceStep[]; result: T } {
  const steps: TraceStep[] = [];
  return { steps, result: current.run(steps, fn) };
}
