// skiffd's composition root: takes the data-root lock, builds the image service over the data
// root, listens on the unix socket (mode 0660, group "skiff" when it exists) and writes the pid
// file. The only place that names the concrete ImageService.
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { log } from "../common/log.ts";
import { SkiffError } from "../common/errors.ts";
import type { ImageService } from "../engine/image/service.ts";
import { acquireDaemonLock } from "./daemon-lock.ts";
import { startApiServer } from "./server.ts";

export const SKIFF_VERSION = "0.1.0";

export interface DaemonOptions {
  dataRoot: string;
  execRoot: string;
  socketPath: string;
  pidFile: string;
  insecureRegistries: string[];
  debug: boolean;
  /** Tests pass a fake; the daemon builds the real store otherwise. */
  images?: ImageService;
}

export interface Daemon {
  stop(): void;
}

function groupId(name: string): number | undefined {
  try {
    const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
    const gid = line ? Number(line.split(":")[2]) : NaN;
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

async function realImageService(o: DaemonOptions): Promise<ImageService & { close(): Promise<void> }> {
  const { ImageStore } = await import("../engine/image/image-service.ts");
  const dockerConfigPath = join(process.env.DOCKER_CONFIG ?? join(process.env.HOME ?? "/root", ".docker"), "config.json");
  return new ImageStore({ dataRoot: o.dataRoot, insecureRegistries: o.insecureRegistries, dockerConfigPath });
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  mkdirSync(o.dataRoot, { recursive: true, mode: 0o711 });
  const lock = acquireDaemonLock(join(o.dataRoot, "skiffd.lock"), o.dataRoot);
  mkdirSync(o.execRoot, { recursive: true, mode: 0o700 });
  const cleanups: (() => void)[] = [() => lock.release()];
  const stop = () => {
    for (const c of cleanups.reverse().splice(0)) {
      try {
        c();
      } catch {}
    }
  };
  try {
    let images = o.images;
    if (!images) {
      const store = await realImageService(o);
      // stops the unpack workers; the process exits right after, so nothing waits for it
      cleanups.push(() => void store.close());
      images = store;
    }
    mkdirSync(dirname(o.socketPath), { recursive: true });
    rmSync(o.socketPath, { force: true });
    let server;
    try {
      server = startApiServer({
        socketPath: o.socketPath,
        images,
        daemon: { id: createHash("sha256").update(hostname() + o.dataRoot).digest("hex").slice(0, 36), name: hostname(), version: SKIFF_VERSION, dataRoot: o.dataRoot, execRoot: o.execRoot, insecureRegistries: o.insecureRegistries, debug: o.debug },
      });
    } catch (e) {
      throw new SkiffError({ layer: "api", kind: "unavailable", code: "API_LISTEN_FAILED", message: `listen on "${o.socketPath}": ${(e as Error).message}`, hint: "check that its directory is writable", cause: e });
    }
    cleanups.push(() => rmSync(o.socketPath, { force: true }), () => server.stop());
    chmodSync(o.socketPath, 0o660);
    const gid = groupId("skiff");
    if (gid !== undefined) chownSync(o.socketPath, 0, gid);
    mkdirSync(dirname(o.pidFile), { recursive: true });
    writeFileSync(o.pidFile, `${process.pid}`);
    cleanups.push(() => rmSync(o.pidFile, { force: true }));
    log.info(`API listen on ${o.socketPath}`, { dataRoot: o.dataRoot, pid: process.pid });
    return { stop };
  } catch (e) {
    stop();
    throw e;
  }
}
