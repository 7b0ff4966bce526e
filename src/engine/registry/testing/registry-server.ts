// Test fixture: Debian's docker-registry (distribution 2.8) on a free 127.0.0.1 port with its own
// storage dir, optionally behind htpasswd basic auth. The process is killed by stop(), and also
// when the test process is gone (a watchdog), so a failing test file cannot leak it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const REGISTRY_BIN = "/usr/bin/docker-registry";
export const HTPASSWD_BIN = "/usr/bin/htpasswd";
export const haveRegistry = existsSync(REGISTRY_BIN) && existsSync(HTPASSWD_BIN);

export interface RegistryServer {
  /** "127.0.0.1:<port>", as a reference's domain. */
  domain: string;
  url: string;
  dir: string;
  /** SIGSTOP: the kernel still accepts connections and buffers what is sent, nothing answers. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** A fresh directory for the storage, config and log. */
  dir: string;
  /** Require these credentials (htpasswd, bcrypt). */
  basicAuth?: { username: string; password: string };
}

/** A port the kernel just handed out; released at once, so a small race remains (acceptable in tests). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export async function startRegistry(opts: StartRegistryOptions): Promise<RegistryServer> {
  mkdirSync(join(opts.dir, "storage"), { recursive: true });
  const port = await freePort();
  let auth = "";
  if (opts.basicAuth) {
    const r = spawnSync(HTPASSWD_BIN, ["-Bbn", opts.basicAuth.username, opts.basicAuth.password], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    writeFileSync(join(opts.dir, "htpasswd"), r.stdout.trim() + "\n");
    auth = `auth:\n  htpasswd:\n    realm: skiff-test\n    path: ${join(opts.dir, "htpasswd")}\n`;
  }
  const config = join(opts.dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(opts.dir, "storage")}\n  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const logPath = join(opts.dir, "registry.log");
  const log = openSync(logPath, "w");
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", config], { stdio: ["ignore", log, log] });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  // bun test does not always run "exit" handlers (a failed file, a killed runner): a detached
  // watchdog kills the registry once this process is gone, and exits by itself when the registry does.
  spawn("/bin/sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 0.5; done; kill -0 ${process.pid} 2>/dev/null || kill -9 ${child.pid} 2>/dev/null`], { stdio: "ignore", detached: true }).unref();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${readFileSync(logPath, "utf8").slice(-2000)}`);
    try {
      const res = await fetch(`${url}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(`docker-registry did not answer on ${url}: ${readFileSync(logPath, "utf8").slice(-2000)}`);
    }
    await Bun.sleep(50);
  }
  return {
    domain: `127.0.0.1:${port}`,
    url,
    dir: opts.dir,
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    async stop() {
      process.off("exit", kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGCONT"); // a paused registry takes SIGTERM only once it runs again
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
