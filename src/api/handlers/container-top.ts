// GET /containers/{id}/top?ps_args=: dockerd's top (daemon/top_unix.go): ps on the host with the
// options given (default -ef) and -q with the container's pids (its cgroup's), again without -q
// when ps refuses that pairing (as with f), and only the rows of those pids kept. ps_args may not
// rename the PID column (dockerd's check); a failure of ps is dockerd's 500 "ps: " with the first
// line ps wrote on stderr.
import { spawnSync } from "node:child_process";
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { containersOf } from "./containers.ts";

/** dockerd's validatePSArgs: "-o pid=PID" is fine, "-o ppid=PID" would misplace the PID column. */
export function checkPsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g))
    if (m[1] !== "pid") throw apiError("invalid_argument", "API_TOP_ARGS_INVALID", `specifying "${m[1]}=${m[2]}" is not allowed`, "the PID column must stay the pids' own");
}

/** ps's output: the header's columns, each row split as many times, the last cell taking the rest (a command with spaces). */
export function parsePs(out: string, pids: ReadonlySet<number>): { Titles: string[]; Processes: string[][] } {
  const [head = "", ...rows] = out.trimEnd().split("\n");
  const titles = head.trim().split(/\s+/);
  const pidCol = titles.indexOf("PID");
  if (pidCol < 0) throw apiError("internal", "API_TOP_NO_PID", "Couldn't find PID field in ps output", "keep the PID column in -o (as docker requires)");
  const processes = rows
    .map((l) => {
      const cells = l.trim().split(/\s+/);
      return [...cells.slice(0, titles.length - 1), cells.slice(titles.length - 1).join(" ")];
    })
    .filter((c) => pids.has(Number(c[pidCol])));
  return { Titles: titles, Processes: processes };
}

const ps = (args: string[]) => spawnSync("ps", args, { encoding: "utf8" });

export const top = endpoint({ query: { ps_args: q.string({ maxLength: 256 }) } }, async (ctx, { query }) => {
  const psArgs = query.ps_args || "-ef";
  checkPsArgs(psArgs);
  const pids = await containersOf(ctx).pids(ctx.params.id!);
  const args = psArgs.split(" ");
  let r = ps([...args, `-q${pids.join(",")}`]);
  if (r.status !== 0) r = ps(args);
  if (r.status !== 0 || r.error) {
    const why = (r.stderr ?? "").split("\n")[0] || r.error?.message || `exit status ${r.status}`;
    throw apiError("internal", "API_TOP_FAILED", `ps: ${why}`, "give options ps understands, as with docker top");
  }
  return Response.json(parsePs(r.stdout, new Set(pids)));
});
