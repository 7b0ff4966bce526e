// For tests: the SkiffError a promise (or a function) ends with; a test fails if nothing is thrown.
import type { SkiffError } from "./errors.ts";

export async function failure(p: Promise<unknown> | (() => unknown)): Promise<SkiffError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e as SkiffError;
  }
  throw new Error("did not throw");
}
