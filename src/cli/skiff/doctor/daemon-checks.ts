// skiff doctor's own checks, which only a client can make: is there a socket where skiff looks for
// skiffd, and does skiffd answer on it.
import { lstatSync } from "node:fs";
import type { ApiClient } from "../../../api/client.ts";
import type { HostCheck } from "./host-check.ts";

const BREAKS = "every skiff command and the docker CLI pointed at skiffd";

/** The socket and the daemon behind it; `answered`: skiffd answered (its name and version), so its host checks can be asked for. */
export async function daemonChecks(client: ApiClient, timeoutMs = 3000): Promise<{ checks: HostCheck[]; answered?: string }> {
  const path = client.socketPath;
  let kind: string;
  try {
    kind = lstatSync(path).isSocket() ? "socket" : "not a socket";
  } catch (e) {
    kind = (e as { code?: string }).code === "ENOENT" ? "absent" : `unreadable (${(e as { code?: string }).code ?? "error"})`;
  }
  if (kind !== "socket")
    return {
      checks: [
        {
          area: "daemon",
          name: "daemon socket",
          status: "missing",
          found: kind === "absent" ? `nothing at ${path}: skiffd is not running, or listens elsewhere` : `${path} is ${kind}`,
          breaks: BREAKS,
          hint: "start it: sudo bin/skiffd &   (or point -H, SKIFF_HOST or DOCKER_HOST at its socket)",
          needed: true,
        },
      ],
    };
  const socket: HostCheck = { area: "daemon", name: "daemon socket", status: "ok", found: path };
  try {
    const v = await withTimeout(client.version(), timeoutMs);
    const platform = String(v.Platform?.Name ?? "");
    if (platform !== "skiff")
      return {
        checks: [
          socket,
          { area: "daemon", name: "daemon", status: "warning", found: `${platform || "a daemon"} ${String(v.Version)} answers on ${path}, not skiffd`, breaks: "nothing of skiff's: skiff commands go to that daemon", hint: "point -H, SKIFF_HOST or DOCKER_HOST at skiffd's socket (/run/skiff/skiff.sock by default)" },
        ],
      };
    const answered = `skiffd ${String(v.Version)}`;
    return { checks: [socket, { area: "daemon", name: "daemon", status: "ok", found: `${answered} answers (API ${String(v.ApiVersion)})` }], answered };
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return { checks: [socket, { area: "daemon", name: "daemon", status: "missing", found: `no answer on ${path}: ${why}`, breaks: BREAKS, hint: "a skiffd that was killed leaves its socket: start it again (it clears a stale socket); its log says why it stopped", needed: true }] };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });
}
