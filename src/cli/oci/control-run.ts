// What skiff-oci's commands on running containers do: pause, resume, ps, update, events,
// features. Their table is control.ts, which every call loads; this module loads when one runs.
import { readFileSync } from "node:fs";
import { invalid, precondition } from "../../common/errors.ts";
import { writeOut } from "../../common/stdio.ts";
import { log } from "../../common/log.ts";
import { containerStatus } from "../../runtime/state-store.ts";
import type { FlagValues } from "../args.ts";
import type { CommandContext } from "./command.ts";
import { UPDATE_FLAGS } from "./update-flags.ts";

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const control = () => import("../../runtime/control.ts");

/** "64m", "1G", "1024", "-1" → bytes (as docker's units, binary multiples). */
export function parseBytes(text: string, flag: string): number {
  const m = /^(-1|\d+)([kmgt]?)b?$/i.exec(text.trim());
  if (!m) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `update: --${flag} "${text}" is not a size`, "use a number of bytes with an optional unit: 512k, 64m, 1g");
  return Number(m[1]) * 1024 ** " kmgt".indexOf((m[2] || " ").toLowerCase());
}

/** What `update` changes, read as runc reads it: a --resources file, or else the flags. */
function updateChange(flags: FlagValues): Record<string, unknown> {
  const file = str(flags.resources);
  // as runc's: with a file, the other flags are not read
  if (file) {
    try {
      return JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `update: read --resources ${file}: ${(e as Error).message}`, "pass a linux.resources JSON file, or - for stdin");
    }
  }
  const change: Record<string, unknown> = {};
  for (const [flag, [group, field], kind] of UPDATE_FLAGS) {
    const v = str(flags[flag]);
    if (v === undefined) continue;
    let value: number | string = v;
    if (kind === "bytes") value = parseBytes(v, flag);
    else if (kind === "int") {
      if (!/^-?\d+$/.test(v)) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `update: --${flag} "${v}" is not a number`, `pass --${flag} N`);
      value = Number(v);
    }
    // runc reads --pids-limit 0 as not given (its flag's zero value), not as "no limit"
    if (flag === "pids-limit" && value === 0) continue;
    const g = (change[group!] ??= {}) as Record<string, unknown>;
    g[field!] = value;
  }
  // as runc's: memory -1 (no limit) with no swap given lifts the swap limit too (else the
  // container's memory+swap limit would sit below an unlimited memory)
  const memory = change.memory as Record<string, unknown> | undefined;
  if (memory?.limit === -1 && memory.swap === undefined) memory.swap = -1;
  return change;
}

async function psTable(pids: number[], psArgs: string[]): Promise<string> {
  // node:child_process costs ~1 ms to load: only ps pays for it
  const { spawnSync } = await import("node:child_process");
  const r = spawnSync("ps", psArgs.length ? psArgs : ["-ef"], { encoding: "utf8" });
  if (r.status !== 0) throw invalid("cli", "CLI_PS_FAILED", `ps: ${r.stderr.trim() || `ps ${psArgs.join(" ")} failed`}`, "pass options that ps(1) accepts");
  const [header = "", ...lines] = r.stdout.split("\n");
  const col = header.trim().split(/\s+/).indexOf("PID");
  if (col < 0) throw invalid("cli", "CLI_PS_FAILED", "ps: its output has no PID column", "keep the PID column in the ps options");
  const keep = new Set(pids);
  return [header, ...lines.filter((l) => keep.has(Number(l.trim().split(/\s+/)[col])))].join("\n") + "\n";
}

export async function pause({ store, args }: CommandContext, frozen: boolean): Promise<number> {
  (await control()).pauseContainer(store, args[0]!, frozen);
  return 0;
}

export async function ps({ store, flags, args }: CommandContext): Promise<number> {
  const [id, ...psArgs] = args;
  const pids = (await control()).containerPids(store, id!);
  const format = str(flags.format) ?? "table";
  if (format === "json") writeOut(JSON.stringify(pids) + "\n");
  else if (format === "table") writeOut(await psTable(pids, psArgs));
  else throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `ps: unknown format "${format}"`, "use --format table or --format json");
  return 0;
}

export async function update({ store, flags, args }: CommandContext): Promise<number> {
  if (flags["l3-cache-schema"] || flags["mem-bw-schema"]) throw invalid("cli", "CLI_UNSUPPORTED", "update: Intel RDT is not supported", "drop --l3-cache-schema and --mem-bw-schema");
  const change = updateChange(flags);
  // as runc's: the kernel memory limits are gone from the kernel (5.16+); they are said to be ignored
  const memory = change.memory as Record<string, unknown> | undefined;
  if (memory && ("kernel" in memory || "kernelTCP" in memory)) log.warn("Kernel memory settings are ignored and will be removed");
  (await control()).updateContainer(store, args[0]!, change);
  return 0;
}

export async function events({ store, flags, args }: CommandContext): Promise<number> {
  const id = args[0]!;
  const s = store.read(id);
  if (containerStatus(store, s) === "stopped") throw precondition("runtime", "RUNTIME_NOT_RUNNING", `events of container "${id}": it is stopped`, "events needs a created, running or paused container");
  const { cgroupStats, oomKills, statsJson } = await import("../../runtime/cgroups/stats.ts");
  const stats = () => statsJson({ type: "stats", id, data: cgroupStats(s.cgroupDirs) }) + "\n";
  if (flags.stats) {
    writeOut(stats());
    return 0;
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(str(flags.interval) ?? "5s");
  if (!m) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `events: --interval "${flags.interval}" is not a duration`, "use 500ms, 5s or 1m");
  const interval = Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[(m[2] ?? "s") as "ms" | "s" | "m"];
  // (runc's words; 0 would print stats as fast as they can be read)
  if (!(interval > 0)) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", "events: duration interval must be greater than 0", "use 500ms, 5s or 1m");
  let ooms = oomKills(s.cgroupDirs);
  const oomSince = () => {
    const now = oomKills(s.cgroupDirs);
    if (now > ooms) writeOut(JSON.stringify({ type: "oom", id }) + "\n");
    ooms = now;
  };
  // as runc's: the first stats after one interval
  let next = performance.now() + interval;
  while (containerStatus(store, s) !== "stopped") {
    oomSince();
    if (performance.now() >= next) {
      writeOut(stats());
      next = performance.now() + interval;
    }
    await Bun.sleep(Math.min(100, interval));
  }
  // an OOM kill of the init itself stops the container: said before the end
  oomSince();
  return 0;
}

export async function features(): Promise<number> {
  writeOut(JSON.stringify((await import("../../runtime/features.ts")).features(), null, "  ") + "\n");
  return 0;
}
