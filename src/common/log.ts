// Logging as runc does it: to stderr, or to --log FILE as text or JSON lines
// ({"level","msg","time"}), which containerd and conmon read back for the error of a failed call.
import { writeErr } from "./stdio.ts";
import { writeText } from "./sys.ts";
import { SkiffError } from "./errors.ts";
import { errnoText } from "./errno.ts";

export type LogFormat = "text" | "json";
type Level = "debug" | "info" | "warning" | "error";

interface LogConfig {
  file?: string;
  format: LogFormat;
  debug: boolean;
  /** A program with a log of its own (skiffd's, in dockerd's format) takes every line instead. */
  sink?: (level: Level, msg: string, fields: Record<string, unknown>) => void;
}

const config: LogConfig = { format: "text", debug: false };

/** Sets where lines go. A --log file is opened (made) at once, as runc's: one that cannot be
 *  written is the call's failure, not a log lost without a word. */
export function configureLog(c: Partial<LogConfig>): void {
  // (each field by hand: a compiled Bun's first Object.assign costs skiff-oci's short commands ~0.1 ms)
  if ("file" in c) config.file = c.file;
  if (c.format !== undefined) config.format = c.format;
  if (c.debug !== undefined) config.debug = c.debug;
  if ("sink" in c) config.sink = c.sink;
  if (!c.file) return;
  try {
    writeText(c.file, "", { append: true });
  } catch (e) {
    config.file = undefined; // (the failure itself goes to stderr)
    const errno = (e as NodeJS.ErrnoException).code;
    throw new SkiffError({ layer: "cli", code: "CLI_LOG_FILE", kind: "invalid_argument", message: `open the log file ${c.file}: ${errno ? `${errno} (${errnoText(errno)})` : (e as Error).message}`, hint: "give --log a file that can be written, in a directory that exists" });
  }
}

function write(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (level === "debug" && !config.debug) return;
  if (config.sink) return config.sink(level, msg, fields);
  const time = new Date().toISOString();
  const json = () => JSON.stringify({ level, msg, ...fields, time });
  if (config.file) {
    const line = config.format === "json" ? json() : `time="${time}" level=${level} msg=${JSON.stringify(msg)}${Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join("")}`;
    try {
      writeText(config.file, line + "\n", { append: true });
      if (level !== "error") return;
    } catch {}
  }
  // without a file, warnings reach stderr too (as runc's: a failing poststop hook is told), as
  // JSON lines under --log-format json (as runc's: its log goes to stderr in that format)
  if (level === "error" || config.debug || (level === "warning" && !config.file))
    writeErr(!config.file && config.format === "json" ? `${json()}\n` : level === "error" ? `${msg}\n` : `${level}: ${msg}\n`);
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warning", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
