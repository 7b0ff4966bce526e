// /_ping, /version, /info and /auth: what docker clients ask first, and login.
import { arch, cpus, hostname, release, totalmem } from "node:os";
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { API_VERSION, MIN_API_VERSION } from "../version.ts";
import { endpoint } from "../endpoint.ts";
import type { HandlerContext } from "./context.ts";
import { authConfig } from "./params.ts";

const goArch = (): string => ({ x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386" })[arch() as string] ?? arch();

/** Headers docker sends on every response; clients negotiate their API version from /_ping's. */
export const COMMON_HEADERS: Record<string, string> = {
  "Api-Version": API_VERSION,
  "Docker-Experimental": "false",
  Ostype: "linux",
  Server: "skiffd",
};

export const ping = endpoint({ query: {} }, (ctx: HandlerContext): Response => {
  const headers = { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache, no-store, must-revalidate", Pragma: "no-cache", "Builder-Version": "1" };
  return new Response(ctx.req.method === "HEAD" ? null : "OK", { headers });
});

export const version = endpoint({ query: {} }, (ctx: HandlerContext): Response => {
  const details = {
    ApiVersion: API_VERSION,
    Arch: goArch(),
    BuildTime: "",
    Experimental: "false",
    GitCommit: "",
    GoVersion: `bun ${Bun.version}`,
    KernelVersion: release(),
    MinAPIVersion: MIN_API_VERSION,
    Os: "linux",
  };
  return Response.json({
    Platform: { Name: "skiff" },
    Components: [{ Name: "Engine", Version: ctx.daemon.version, Details: details }],
    Version: ctx.daemon.version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: "",
    GoVersion: details.GoVersion,
    Os: "linux",
    Arch: details.Arch,
    KernelVersion: details.KernelVersion,
    BuildTime: "",
  });
});

/** statfs(2) magic numbers → the names dockerd's overlay2 reports as its "Backing Filesystem". */
const FILESYSTEMS: Record<number, string> = { 0xef53: "extfs", 0x58465342: "xfs", 0x9123683e: "btrfs", 0x01021994: "tmpfs", 0x2fc12fc1: "zfs", 0x6969: "nfs", 0x794c7630: "overlayfs", 0xf2f52010: "f2fs" };

/** docker info's lines under "Storage Driver: overlay2", as dockerd's overlay2 gives them. */
function overlayStatus(dataRoot: string): [string, string][] {
  let backing = "<unknown>";
  try {
    backing = FILESYSTEMS[statfsSync(dataRoot).type] ?? "<unknown>";
  } catch {
    // (the data root is the daemon's: it is there; if it is not, the line says unknown)
  }
  return [["Backing Filesystem", backing], ["Supports d_type", "true"], ["Using metacopy", "false"], ["Native Overlay Diff", "true"], ["userxattr", "false"]];
}

/** Whether a memory limit can include swap: v1 with the memory.memsw files; v2 (its memory.swap.max, below the root). */
function swapLimit(): boolean {
  return existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") || existsSync("/sys/fs/cgroup/cgroup.controllers");
}

function operatingSystem(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

/** GET /info: every field of docker's Info at API 1.41 (and 28's CDISpecDirs), zero where skiffd has nothing to say; InsecureRegistries is skiff's own. */
export const info = endpoint({ query: {} }, (ctx: HandlerContext): Response => {
  const d = ctx.daemon;
  const all = ctx.containers?.list() ?? [];
  const count = (f: (s: string) => boolean) => all.filter((r) => f(r.state.status)).length;
  return Response.json({
    ID: d.id,
    Containers: all.length,
    ContainersRunning: count((s) => s === "running" || s === "restarting"),
    ContainersPaused: count((s) => s === "paused"),
    ContainersStopped: count((s) => s !== "running" && s !== "restarting" && s !== "paused"),
    Images: ctx.images.list({}).length,
    Driver: "overlay2", // what image inspect's GraphDriver says too
    DriverStatus: overlayStatus(d.dataRoot),
    // the drivers skiffd has: local volumes; bridge, host and null networks (dockerd's name for
    // none); json-file and none logs
    Plugins: { Volume: ["local"], Network: ["bridge", "host", "null"], Authorization: null, Log: ["json-file", "none"] },
    MemoryLimit: true,
    SwapLimit: swapLimit(),
    KernelMemory: false,
    KernelMemoryTCP: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    BridgeNfIptables: false,
    BridgeNfIp6tables: false,
    Debug: d.debug,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: "json-file",
    CgroupDriver: "cgroupfs",
    // as docker: "2" on a unified-only host, "1" on v1 and hybrid ones
    CgroupVersion: existsSync("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1",
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: operatingSystem(),
    OSVersion: "",
    OSType: "linux",
    Architecture: arch() === "x64" ? "x86_64" : arch(),
    IndexServerAddress: "https://index.docker.io/v1/",
    RegistryConfig: {
      InsecureRegistryCIDRs: ["127.0.0.0/8"],
      IndexConfigs: Object.fromEntries(d.insecureRegistries.map((name) => [name, { Name: name, Mirrors: [], Secure: false, Official: false }])),
      Mirrors: [],
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
    },
    NCPU: cpus().length,
    MemTotal: totalmem(),
    GenericResources: null,
    DockerRootDir: d.dataRoot,
    HttpProxy: "",
    HttpsProxy: "",
    NoProxy: "",
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: d.version,
    Runtimes: Object.fromEntries((ctx.containers?.runtimes.names() ?? ["skiff"]).map((n) => [n, { path: n === "skiff" ? "skiff (in-process)" : n }])),
    DefaultRuntime: "skiff",
    Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
    LiveRestoreEnabled: true, // always: containers outlive skiffd (their monitors hold them)
    Isolation: "",
    InitBinary: "skiff-init", // --init's binary (bin/skiff-init, bound into the container)
    ContainerdCommit: { ID: "", Expected: "" },
    RuncCommit: { ID: "", Expected: "" },
    InitCommit: { ID: "", Expected: "" },
    // what every container gets (spec/oci-spec.ts): docker's default seccomp profile; a cgroup namespace on v2
    SecurityOptions: ["name=seccomp,profile=default", ...(existsSync("/sys/fs/cgroup/cgroup.controllers") ? ["name=cgroupns"] : [])],
    CDISpecDirs: null,
    Warnings: swapLimit() ? [] : ["WARNING: No swap limit support"],
    InsecureRegistries: d.insecureRegistries,
  });
});

/** POST /auth: docker's AuthConfig, checked (a serveraddress must name a registry). */
export const auth = endpoint({ query: {}, body: { kind: "json", schema: authConfig, maxBytes: 1 << 20 } }, async (ctx, { body }) => {
  const result = await ctx.images.login(body);
  return Response.json({ IdentityToken: result.IdentityToken ?? "", Status: result.Status });
});
