// `skiff-oci update`'s flags, runc's, each with the linux.resources field it sets: read by the
// command table (control.ts) and by the command (control-run.ts).

/** runc's update flags → linux.resources fields (and other spellings taken too). */
export const UPDATE_FLAGS: [flag: string, path: string[], kind: "bytes" | "int" | "str", aliases?: string[]][] = [
  ["memory", ["memory", "limit"], "bytes"],
  ["memory-reservation", ["memory", "reservation"], "bytes"],
  ["memory-swap", ["memory", "swap"], "bytes"],
  ["kernel-memory", ["memory", "kernel"], "bytes"],
  ["kernel-memory-tcp", ["memory", "kernelTCP"], "bytes"],
  // (runc's is singular; docker's --cpu-shares is taken as well)
  ["cpu-share", ["cpu", "shares"], "int", ["cpu-shares"]],
  ["cpu-quota", ["cpu", "quota"], "int"],
  ["cpu-period", ["cpu", "period"], "int"],
  ["cpu-rt-period", ["cpu", "realtimePeriod"], "int"],
  ["cpu-rt-runtime", ["cpu", "realtimeRuntime"], "int"],
  ["cpuset-cpus", ["cpu", "cpus"], "str"],
  ["cpuset-mems", ["cpu", "mems"], "str"],
  ["pids-limit", ["pids", "limit"], "int"],
  ["blkio-weight", ["blockIO", "weight"], "int"],
];
