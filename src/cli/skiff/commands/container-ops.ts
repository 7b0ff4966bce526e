// skiff stop, restart, kill, pause, unpause, rm, wait, rename, top, port and container prune, as
// docker 28's: verbs on several containers run at once (up to 50) and print each name as given,
// in order, once done; each failure is reported (the daemon's words, code and hint) and the
// status is 1 if any failed. Requests: stop POST /containers/{id}/stop?t=&signal=; restart POST
// …/restart?t=&signal=; kill POST …/kill?signal=; pause, unpause POST …/pause, …/unpause; rm DELETE
// /containers/{id}?force=&v=&link=; wait POST …/wait (no condition: not-running); rename POST
// …/rename?name=; top GET …/top?ps_args=; port GET …/json; prune POST /containers/prune?filters=.
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { invalid, notFound } from "../../../common/errors.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { humanSize } from "../../../api/units.ts";
import { str, strs, type CommandContext } from "../command.ts";
import { confirm } from "../confirm.ts";
import { refused, reportError } from "../report-error.ts";
import { tabwrite } from "../tabwriter.ts";
import { naturalCompare } from "../natural-order.ts";
import { parseFilterFlags } from "./images.ts";
import { int64 } from "../container-values.ts";

const PARALLEL = 50;

/**
 * Runs `op` on each container, at most PARALLEL at once, and reports in the order given: the name
 * on success, the error otherwise. 1 if any failed (0 when `forced`, as docker's rm -f), else 0.
 */
async function eachContainer(names: string[], op: (name: string) => Promise<void>, o: { forced?: boolean } = {}): Promise<number> {
  const results: Promise<"ok" | { error: unknown }>[] = [];
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = () => (running < PARALLEL ? Promise.resolve() : new Promise<void>((r) => queue.push(r)));
  for (const name of names) {
    await slot();
    running++;
    results.push(
      op(name)
        .then(() => "ok" as const, (error: unknown) => ({ error }))
        .finally(() => {
          running--;
          queue.shift()?.();
        }),
    );
  }
  let status = 0;
  for (const [i, r] of results.entries()) {
    const res = await r;
    if (res === "ok") writeOut(`${names[i]}\n`);
    else status = reportError(res.error) && 1;
  }
  // as docker's rm -f: the failures are reported, and they are no failure
  return o.forced ? 0 : status;
}

const timeout = (flags: CommandContext["flags"]) => (str(flags.timeout) === undefined ? undefined : int64(str(flags.timeout)!, "-t, --timeout"));

export async function stop({ client, flags, args }: CommandContext): Promise<number> {
  const c = new ContainerClient(client);
  const t = timeout(flags);
  return eachContainer(args, (id) => c.stop(id, { t, signal: str(flags.signal) }));
}

export async function restart({ client, flags, args }: CommandContext): Promise<number> {
  const c = new ContainerClient(client);
  const t = timeout(flags);
  return eachContainer(args, (id) => c.restart(id, { t, signal: str(flags.signal) }));
}

export async function kill({ client, flags, args }: CommandContext): Promise<number> {
  const c = new ContainerClient(client);
  return eachContainer(args, (id) => c.kill(id, str(flags.signal)));
}

export const pause = ({ client, args }: CommandContext) => eachContainer(args, (id) => new ContainerClient(client).pause(id));
export const unpause = ({ client, args }: CommandContext) => eachContainer(args, (id) => new ContainerClient(client).unpause(id));

export async function remove({ client, flags, args }: CommandContext): Promise<number> {
  const c = new ContainerClient(client);
  const force = !!flags.force;
  return eachContainer(
    args,
    async (name) => {
      const id = name.replace(/^\/+|\/+$/g, "");
      if (!id) throw invalid("cli", "CLI_CONTAINER_NAME_EMPTY", "Container name cannot be empty", "give a container's name or ID");
      await c.remove(id, { force, v: !!flags.volumes, link: !!flags.link });
    },
    { forced: force },
  );
}

/** Each container's exit status on a line of its own, one after the other (as docker's wait). */
export async function wait({ client, args }: CommandContext): Promise<number> {
  const c = new ContainerClient(client);
  let status = 0;
  for (const id of args) {
    try {
      const r = await (await c.wait(id)).result;
      if (r.Error?.Message) throw invalid("api", "API_WAIT_FAILED", r.Error.Message, "see the daemon's log");
      writeOut(`${r.StatusCode}\n`);
    } catch (e) {
      status = reportError(e) && 1;
    }
  }
  return status;
}

export async function rename({ client, args }: CommandContext): Promise<number> {
  const [from, to] = args as [string, string];
  if (!to.trim()) throw invalid("cli", "CLI_CONTAINER_NAME_EMPTY", "Error: Neither old nor new names may be empty", "skiff rename CONTAINER NEW_NAME");
  try {
    await new ContainerClient(client).rename(from.trim(), to.trim());
  } catch (e) {
    // as docker: the daemon's error, then which rename failed
    reportError(e);
    writeErr(`Error: failed to rename container named ${from}\n`);
    return 1;
  }
  return 0;
}

/** docker top: ps's table, laid out by Go's tabwriter (minimum width 20, padding 3). */
export async function top({ client, args }: CommandContext): Promise<number> {
  const [id, ...psArgs] = args as [string, ...string[]];
  const list = await new ContainerClient(client).top(id, psArgs.length ? psArgs.join(" ") : undefined);
  const lines = [list.Titles, ...(list.Processes ?? [])].map((row) => `${row.join("\t")}\n`).join("");
  writeOut(tabwrite(lines, 20, 3));
  return 0;
}

/** docker port: "80/tcp -> 0.0.0.0:8080" for each published port, or the bindings of one. */
export async function port({ client, args }: CommandContext): Promise<number> {
  const [name, wanted] = args as [string, string | undefined];
  const ports = (await new ContainerClient(client).inspect(name)).NetworkSettings?.Ports ?? {};
  const host = (b: { HostIp: string; HostPort: string }) => (b.HostIp.includes(":") ? `[${b.HostIp}]:${b.HostPort}` : `${b.HostIp}:${b.HostPort}`);
  let out: string[];
  if (wanted !== undefined) {
    const [p, proto = "tcp"] = wanted.split("/", 2) as [string, string | undefined];
    // (docker's words, without the "Error: " it writes into them: the report adds its own; status 1 as docker's)
    if (!/^\d+$/.test(p) || Number(p) > 65535) throw refused("CLI_PORT_INVALID", `invalid port (${p}): not a number from 0 to 65535`, "give a port number, with /tcp, /udp or /sctp if not tcp (e.g. 80/tcp)");
    const bindings = Object.hasOwn(ports, `${p}/${proto}`) ? ports[`${p}/${proto}`] : undefined;
    if (!bindings?.length) throw notFound("cli", "CLI_PORT_NOT_PUBLISHED", `No public port '${wanted}' published for ${name}`, "skiff port CONTAINER lists the published ports; publish with -p when the container is created");
    out = bindings.map(host);
  } else out = Object.entries(ports).flatMap(([from, bindings]) => (bindings ?? []).map((b) => `${from} -> ${host(b)}`));
  if (out.length) writeOut(`${out.sort(naturalCompare).join("\n")}\n`);
  return 0;
}

export async function prune({ client, flags }: CommandContext): Promise<number> {
  const filters = parseFilterFlags(strs(flags.filter), "until=24h");
  if (!flags.force && !confirm("WARNING! This will remove all stopped containers.\nAre you sure you want to continue?")) return 0;
  const res = await new ContainerClient(client).prune(filters);
  if (res.ContainersDeleted?.length) writeOut(`Deleted Containers:\n${res.ContainersDeleted.join("\n")}\n\n`);
  writeOut(`Total reclaimed space: ${humanSize(res.SpaceReclaimed)}\n`);
  return 0;
}
