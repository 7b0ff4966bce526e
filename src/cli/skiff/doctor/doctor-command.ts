// skiff doctor: the daemon's socket and answer (checked here), then the host's kernel, namespaces,
// cgroups, file systems, security, limits, networking and storage as skiffd sees them (GET
// /skiff/doctor). With no daemon answering, the host checks come from `skiffd --doctor`, run
// beside this program, so that doctor helps most when skiffd will not start. Exit status 1 when
// something skiff needs to run containers is missing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeOut } from "../../../common/stdio.ts";
import { str, type CommandContext } from "../command.ts";
import { daemonChecks } from "./daemon-checks.ts";
import { renderChecks, type HostCheck } from "./host-check.ts";

interface Report {
  checks: HostCheck[];
  ok: boolean;
}

export async function doctor({ client, flags }: CommandContext): Promise<number> {
  const daemon = await daemonChecks(client);
  let host: Report;
  if (daemon.answered) host = (await (await client.request("GET", "/skiff/doctor")).json()) as Report;
  else host = localHostChecks(str(flags["data-root"]) ?? "/var/lib/skiff");
  const checks = [...daemon.checks, ...host.checks];
  const ok = host.ok && !daemon.checks.some((c) => c.status === "missing" && c.needed);
  if (str(flags.format) === "json") writeOut(JSON.stringify({ checks, ok }) + "\n");
  else writeOut(renderChecks(checks));
  return ok ? 0 : 1;
}

/** The host checks from `skiffd --doctor` beside this program, when no daemon answers. */
function localHostChecks(dataRoot: string): Report {
  const skiffd = join(dirname(process.execPath), "skiffd");
  const unavailable = (why: string): Report => ({
    checks: [{ area: "kernel", name: "host checks", status: "warning", found: `not made: ${why}`, breaks: "nothing by itself; the kernel and host were not checked", hint: "start skiffd and run skiff doctor again, or run skiffd --doctor" }],
    ok: true,
  });
  if (!existsSync(skiffd)) return unavailable(`no skiffd beside ${process.execPath}`);
  const r = spawnSync(skiffd, ["--doctor", "--data-root", dataRoot], { encoding: "utf8", timeout: 30_000 });
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    return unavailable(`skiffd --doctor exited with ${r.status ?? r.signal}: ${(r.stderr ?? "").split("\n")[0]}`);
  }
}
