// runc's exec flags (kept apart from exec.ts so the command table loads nothing heavy).
import type { FlagSpec } from "../args.ts";

export const EXEC_FLAGS: FlagSpec[] = [
  { names: ["console-socket"], type: "string" },
  { names: ["cwd"], type: "string" },
  { names: ["env", "e"], type: "strings" },
  { names: ["tty", "t"], type: "bool" },
  { names: ["user", "u"], type: "string" },
  { names: ["additional-gids", "g"], type: "strings" },
  { names: ["process", "p"], type: "string" },
  { names: ["detach", "d"], type: "bool" },
  { names: ["pid-file"], type: "string" },
  { names: ["process-label"], type: "string" },
  { names: ["apparmor"], type: "string" },
  { names: ["no-new-privs"], type: "bool" },
  { names: ["cap", "c"], type: "strings" },
  { names: ["preserve-fds"], type: "int" },
  { names: ["ignore-paused"], type: "bool" },
];
