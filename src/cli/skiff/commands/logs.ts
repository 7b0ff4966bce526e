// skiff logs: GET /containers/{id}/json (is there a tty?), then GET /containers/{id}/logs?stdout=1&
// stderr=1&since=&until=&timestamps=&follow=&tail=&details=, streamed as it comes: a tty's bytes
// to stdout, else docker's multiplexed frames to stdout and stderr. --since and --until are read
// as docker reads them (go-time.ts) before any request.
import { writeAll } from "../../../common/stdio.ts";
import { isSkiffError } from "../../../common/errors.ts";
import { connectionLost } from "../../../api/client.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { FrameDecoder } from "../../../api/hijack-client.ts";
import { str, type CommandContext } from "../command.ts";
import { getTimestamp } from "../go-time.ts";

/** The frames of a chunk, one write per run of frames to the same stream (not one per line). */
function writeFrames(frames: Iterable<{ stream: number; data: Uint8Array }>): void {
  let fd = 0;
  let run: Uint8Array[] = [];
  const flush = () => {
    if (run.length) writeAll(fd, run.length === 1 ? run[0]! : Buffer.concat(run));
    run = [];
  };
  for (const f of frames) {
    const to = f.stream === 2 ? 2 : 1;
    if (to !== fd) flush();
    fd = to;
    run.push(f.data);
  }
  flush();
}

export async function logs({ client, flags, args }: CommandContext): Promise<number> {
  const now = Date.now();
  const since = str(flags.since) ? getTimestamp(str(flags.since)!, "--since", now) : undefined;
  const until = str(flags.until) ? getTimestamp(str(flags.until)!, "--until", now) : undefined;
  const containers = new ContainerClient(client);
  const c = await containers.inspect(args[0]!);
  const body = await containers.logs(c.Id, { since, until, timestamps: !!flags.timestamps, follow: !!flags.follow, tail: str(flags.tail) ?? "all", details: !!flags.details });
  const decoder = c.Config.Tty ? undefined : new FrameDecoder();
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      if (!decoder) writeAll(1, chunk);
      else writeFrames(decoder.push(chunk));
    }
  } catch (e) {
    if (isSkiffError(e) || (e as { code?: string })?.code === "EPIPE") throw e;
    throw connectionLost(client.socketPath, e);
  }
  decoder?.end();
  return 0;
}
