// skiffd --doctor: the host checks of skiff doctor (engine/host) run without starting the daemon,
// printed as the JSON that GET /skiff/doctor answers, for skiff doctor to show when no skiffd
// answers (the case where they matter most: a daemon that will not start).
import { checkHost } from "../engine/host/index.ts";
import { writeOut } from "../common/stdio.ts";

/** Prints the report; exit status 1 when something needed is missing. */
export function runDoctor(dataRoot: string, cniDirs?: readonly string[]): number {
  const report = checkHost({ dataRoot, ...(cniDirs ? { cniDirs } : {}) });
  writeOut(JSON.stringify(report) + "\n");
  return report.ok ? 0 : 1;
}
