// For tests of parsers and checks: what a user is told when `f` refuses its input. Test code only.
import { isSkiffError } from "../errors.ts";

/** "LAYER KIND: MESSAGE" of the SkiffError `f` throws; any other outcome fails the test. */
export function refusalOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!isSkiffError(e)) throw e;
    return `${e.layer} ${e.kind}: ${e.message}`;
  }
  throw new Error("no error");
}
