// skiff update, as docker 28's: POST /containers/{id}/update with docker's UpdateConfig (every
// resource field, zero when not given, and the RestartPolicy), for each container in turn; the
// name of each one updated on stdout, the daemon's warnings after them, every failure reported;
// status 1 if any failed. Without a flag it is refused, as docker refuses it.
import { writeOut } from "../../../common/stdio.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { str, type CommandContext } from "../command.ts";
import { badOption, int64, memBytes, memSwapBytes, nanoCpus } from "../container-values.ts";
import { restartPolicy } from "../create-body.ts";
import { reportError } from "../report-error.ts";

const givenFlags = (flags: CommandContext["flags"]) => Object.keys(flags).filter((k) => flags[k] !== undefined && k !== "help");
const noFlags = () => badOption("you must provide one or more flags when using this command", "e.g. skiff update --memory 256m --restart always CONTAINER");

/** The flags' values → docker's UpdateConfig body. */
export function updateBody(flags: CommandContext["flags"]): Record<string, unknown> {
  if (!givenFlags(flags).length) throw noFlags();
  const int = (name: string, label: string) => (str(flags[name]) === undefined ? 0 : int64(str(flags[name])!, label));
  const pids = int("pids-limit", "--pids-limit");
  const restart = str(flags.restart);
  return {
    BlkioWeight: int("blkio-weight", "--blkio-weight"),
    CpusetCpus: str(flags["cpuset-cpus"]) ?? "",
    CpusetMems: str(flags["cpuset-mems"]) ?? "",
    CpuShares: int("cpu-shares", "-c, --cpu-shares"),
    Memory: str(flags.memory) === undefined ? 0 : memBytes(str(flags.memory)!, "-m, --memory"),
    MemoryReservation: str(flags["memory-reservation"]) === undefined ? 0 : memBytes(str(flags["memory-reservation"])!, "--memory-reservation"),
    MemorySwap: str(flags["memory-swap"]) === undefined ? 0 : memSwapBytes(str(flags["memory-swap"])!, "--memory-swap"),
    CpuPeriod: int("cpu-period", "--cpu-period"),
    CpuQuota: int("cpu-quota", "--cpu-quota"),
    NanoCpus: str(flags.cpus) === undefined ? 0 : nanoCpus(str(flags.cpus)!),
    // (docker sends a pointer: absent unless given)
    PidsLimit: pids !== 0 ? pids : null,
    RestartPolicy: restart ? restartPolicy(restart) : { Name: "", MaximumRetryCount: 0 },
  };
}

export async function update({ client, flags, args }: CommandContext): Promise<number> {
  // as docker's: no flag is a refusal of its own, status 1 (a bad flag value is a misuse, 125)
  if (!givenFlags(flags).length) return reportError(noFlags()) && 1;
  const body = updateBody(flags);
  const c = new ContainerClient(client);
  const warnings: string[] = [];
  let status = 0;
  for (const id of args) {
    try {
      const r = await c.update(id, body);
      writeOut(`${id}\n`);
      warnings.push(...(r.Warnings ?? []));
    } catch (e) {
      status = reportError(e) && 1;
    }
  }
  if (warnings.length) writeOut(`${warnings.join("\n")}\n`);
  return status;
}
