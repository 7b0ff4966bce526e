// skiff version and info, laid out as docker prints them (or through --format).
import { arch } from "node:os";
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { bytesSize } from "../../../api/units.ts";
import { API_VERSION } from "../../../api/version.ts";
import { compileFormat } from "../template.ts";
import { goShaped, VERSION_INFO } from "../render.ts";
import { reportError } from "../report-error.ts";
import { str, type CommandContext } from "../command.ts";

const goArch = () => (arch() === "x64" ? "amd64" : arch());

/** As docker's clientVersion (Go field APIVersion, JSON ApiVersion: goShaped adds the Go names for templates). */
const clientVersionInfo = (v: string) => ({ Version: v, ApiVersion: API_VERSION, DefaultAPIVersion: API_VERSION, GitCommit: "", GoVersion: `bun ${Bun.version}`, Os: "linux", Arch: goArch(), BuildTime: "", Context: "default" });

export async function version({ client, flags }: CommandContext, clientVersion: string): Promise<number> {
  const clientInfo = clientVersionInfo(clientVersion);
  const format = str(flags.format);
  let server: Record<string, any> | undefined;
  let failure: unknown;
  try {
    server = await client.version();
  } catch (e) {
    failure = e;
  }
  if (format) {
    writeOut(compileFormat(format).execute(goShaped({ Client: clientInfo, Server: server ?? null }, VERSION_INFO)) + "\n");
  } else {
    writeOut(
      `Client:\n Version:           ${clientInfo.Version}\n API version:       ${clientInfo.ApiVersion}\n Go version:        ${clientInfo.GoVersion}\n OS/Arch:           linux/${clientInfo.Arch}\n`,
    );
    if (server)
      writeOut(
        `\nServer: ${server.Platform?.Name ?? ""}\n Engine:\n  Version:          ${server.Version}\n  API version:      ${server.ApiVersion} (minimum version ${server.MinAPIVersion})\n  Go version:       ${server.GoVersion}\n  OS/Arch:          ${server.Os}/${server.Arch}\n  Kernel version:   ${server.KernelVersion}\n  Experimental:     false\n`,
      );
  }
  return failure ? reportError(failure) : 0;
}

/** docker's " Security Options:" block: each "name=x,k=v" as the name, then "  K: v" (Profile: default). */
function securityOptions(opts: string[]): string[] {
  if (!opts.length) return [];
  const out = [" Security Options:"];
  for (const o of opts) {
    const kv = o.split(",").map((p) => p.split("=", 2) as [string, string?]);
    out.push(`  ${kv.find(([k]) => k === "name")?.[1] ?? o}`);
    for (const [k, v] of kv) if (k !== "name") out.push(`   ${k[0]!.toUpperCase()}${k.slice(1)}: ${v ?? ""}`);
  }
  return out;
}

export async function info({ client, flags }: CommandContext, clientVersion: string): Promise<number> {
  const i = await client.info();
  const format = str(flags.format);
  // as docker's: the server's fields with the client's under ClientInfo
  if (format) return writeOut(compileFormat(format).execute({ ...i, ClientInfo: { Debug: false, ...clientVersionInfo(clientVersion), Plugins: [], Warnings: null } }) + "\n"), 0;
  const lines = [
    "Client:",
    ` Version:    ${clientVersion}`,
    "",
    "Server:",
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion}`,
    ` Storage Driver: ${i.Driver}`,
    ...((i.DriverStatus as [string, string][] | undefined) ?? []).map(([k, v]) => `  ${k}: ${v}`),
    ` Logging Driver: ${i.LoggingDriver}`,
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    ` Plugins:`,
    `  Volume: ${(i.Plugins?.Volume ?? []).join(" ")}`,
    `  Network: ${(i.Plugins?.Network ?? []).join(" ")}`,
    `  Log: ${(i.Plugins?.Log ?? []).join(" ")}`,
    ` Swarm: ${i.Swarm?.LocalNodeState ?? "inactive"}`,
    ` Runtimes: ${Object.keys(i.Runtimes ?? {}).join(" ")}`,
    ` Default Runtime: ${i.DefaultRuntime}`,
    ` Init Binary: ${i.InitBinary ?? ""}`,
    ` containerd version: ${i.ContainerdCommit?.ID ?? ""}`,
    ` runc version: ${i.RuncCommit?.ID ?? ""}`,
    ` init version: ${i.InitCommit?.ID ?? ""}`,
    ...securityOptions(i.SecurityOptions ?? []),
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` OSType: ${i.OSType}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    // docker's CLI prints it with units.BytesSize: binary units, four significant digits ("23.54GiB")
    ` Total Memory: ${bytesSize(i.MemTotal)}`,
    ` Name: ${i.Name}`,
    ` ID: ${i.ID}`,
    ` Docker Root Dir: ${i.DockerRootDir}`,
    ` Debug Mode: ${i.Debug}`,
    ` Experimental: ${i.ExperimentalBuild}`,
    ` Insecure Registries:`,
    ...((i.InsecureRegistries as string[] | undefined) ?? []).map((r) => `  ${r}`),
    `  127.0.0.0/8`,
    ` Live Restore Enabled: ${i.LiveRestoreEnabled}`,
  ];
  writeOut(lines.join("\n") + "\n");
  // (docker's CLI prints the daemon's warnings after the report, on stderr)
  for (const w of (i.Warnings as string[] | null | undefined) ?? []) writeErr(`${w}\n`);
  return 0;
}
