// The kernel's limits on what execve(2) copies (fs/exec.c): each argument or environment string
// at most MAX_ARG_STRLEN bytes with its NUL, and all of them, with the file name and one pointer
// each, within a quarter of the stack limit (at most 3/4 of _STK_LIM, at least ARG_MAX). The
// container's execve is the executor's last act, where a failure could no longer be reported;
// checked here, a config beyond them is refused before anything is started.
import { invalid } from "../../common/errors.ts";

export interface ExecLimitsInput {
  argv: readonly string[];
  env: readonly string[];
  /** The longest file name execve may be given (the resolved path of argv[0]). */
  fileBytes: number;
  /** RLIMIT_STACK's soft value at the execve, bytes (Infinity when unlimited). */
  stackLimit: number;
  pageSize: number;
  /** sizeof(void *) of the container's process. */
  pointerSize: number;
}

const STK_LIM = 8 * 1024 * 1024;

/** The bytes execve may copy for one stack limit (bprm_stack_limits). */
export function execArgLimit(stackLimit: number, pageSize: number): number {
  return Math.max(Math.min((STK_LIM / 4) * 3, Math.floor(stackLimit / 4)), 32 * pageSize);
}

export function checkExecLimits(input: ExecLimitsInput): void {
  const maxString = 32 * input.pageSize; // MAX_ARG_STRLEN, NUL included
  let strings = input.fileBytes + 1;
  const lists = [["process.args", input.argv], ["process.env", input.env]] as const;
  for (const [field, list] of lists)
    list.forEach((s, i) => {
      const bytes = Buffer.byteLength(s) + 1;
      if (bytes > maxString)
        throw invalid("runtime", "RUNTIME_ARGS_TOO_LONG", `read config.json: ${field}[${i}] is ${bytes - 1} bytes, more than the kernel takes in one argument or environment string: ${maxString - 1} (MAX_ARG_STRLEN)`,
          `split or shorten ${field}[${i}]`, { field: `${field}[${i}]` });
      strings += bytes;
    });
  const pointers = (input.argv.length + input.env.length) * input.pointerSize;
  const limit = execArgLimit(input.stackLimit, input.pageSize);
  if (pointers + strings > limit) {
    const stack = Number.isFinite(input.stackLimit) ? `RLIMIT_STACK ${input.stackLimit}` : "RLIMIT_STACK unlimited";
    throw invalid("runtime", "RUNTIME_ARGS_TOO_LONG",
      `read config.json: process.args and process.env need ${pointers + strings} bytes in execve, more than the kernel's limit of ${limit} (ARG_MAX: a quarter of ${stack}, at most ${(STK_LIM / 4) * 3})`,
      "shorten process.env or process.args, or raise RLIMIT_STACK in process.rlimits", { field: "process.env" });
  }
}
