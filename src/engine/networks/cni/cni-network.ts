// One CNI network: its conflist run through the plugins by the calling convention (CNI spec 1.0.0,
// "Execution of network configurations"). ADD goes through the plugins in order, each getting the
// result so far as prevResult; a failure part-way DELs what ran, in reverse, and throws the first
// error. The final result is cached (result-cache.ts) for the DEL and CHECK that follow. DEL goes
// in reverse, tries every plugin, tolerates what is already gone, and is idempotent.
import { SkiffError, isSkiffError } from "../../../common/errors.ts";
import { log } from "../../../common/log.ts";
import type { EndpointState, PortMapping } from "../record.ts";
import type { CniConflist, CniPluginConf } from "./conflist.ts";
import { DEFAULT_PLUGIN_DIRS, DEFAULT_TIMEOUT_MS, execPlugin } from "./exec-plugin.ts";
import { repairBridgeMac } from "./bridge-mac.ts";
import type { CniCommand } from "./plugin-error.ts";
import { endpointOf, parseCniResult } from "./result.ts";
import { readCached, removeCached, writeCached, type AttachmentKey, type RuntimeConfig } from "./result-cache.ts";

export interface CniNetworkOptions {
  /** Where plugin binaries are looked for, in order (CNI_PATH too). */
  pluginDirs?: readonly string[];
  /** Where ADD results are kept for DEL and CHECK (one file per attachment). */
  cacheDir: string;
  /** Each plugin run's limit; a plugin still running then is killed. */
  timeoutMs?: number;
}

export interface CniAttachmentRequest {
  /** CNI_CONTAINERID. */
  containerId: string;
  /** CNI_NETNS: "/proc/PID/ns/net" while the container runs. */
  netns: string;
  /** CNI_IFNAME inside the container: eth0, eth1, … */
  ifName: string;
}

export interface CniAddRequest extends CniAttachmentRequest {
  /** A fixed IPv4 address in the subnet (runtimeConfig "ips"). */
  ip?: string;
  /** The container side's MAC (runtimeConfig "mac"). */
  mac?: string;
  portMappings?: readonly PortMapping[];
}

export interface CniDelRequest extends CniAttachmentRequest {
  /** Used only when no ADD result is cached (else the cached runtimeConfig is). */
  portMappings?: readonly PortMapping[];
}

/** portmap's form. A wildcard host address is portmap's "" (it would match 0.0.0.0 literally). */
function portmapEntries(ports: readonly PortMapping[] | undefined): RuntimeConfig["portMappings"] {
  if (!ports?.length) return undefined;
  const seen = new Set<string>();
  const out: NonNullable<RuntimeConfig["portMappings"]> = [];
  for (const p of ports) {
    const hostIP = p.hostIp === "0.0.0.0" || p.hostIp === "::" ? "" : p.hostIp;
    const e = { hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP };
    const key = JSON.stringify(e);
    if (!seen.has(key)) out.push(e), seen.add(key);
  }
  return out;
}

/**
 * portmap with no mappings passes prevResult through on ADD and has nothing to remove on DEL: not
 * run then, which saves a plugin exec (~10-40 ms here) on every container without published ports.
 */
const idle = (plugin: CniPluginConf, runtimeConfig: RuntimeConfig): boolean => plugin.type === "portmap" && !runtimeConfig.portMappings?.length;

/** CNI's "already gone" on DEL: what a plugin reports for state a previous DEL (or the kernel) removed. */
const ALREADY_GONE = /does not exist|no such file or directory|link not found|no such device/i;

export class CniNetwork {
  readonly conflist: CniConflist;
  private readonly pluginDirs: readonly string[];
  private readonly cacheDir: string;
  private readonly timeoutMs: number;

  constructor(conflist: CniConflist, options: CniNetworkOptions) {
    this.conflist = conflist;
    this.pluginDirs = options.pluginDirs ?? DEFAULT_PLUGIN_DIRS;
    this.cacheDir = options.cacheDir;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private key(r: CniAttachmentRequest): AttachmentKey {
    return { network: this.conflist.name, containerId: r.containerId, ifName: r.ifName };
  }

  /** The stdin document of one plugin: runtimeConfig limited to the capabilities it declares. */
  private pluginConfig(plugin: CniPluginConf, runtimeConfig: RuntimeConfig, prevResult: unknown): Record<string, unknown> {
    const config: Record<string, unknown> = { ...plugin, cniVersion: this.conflist.cniVersion, name: this.conflist.name };
    const rc: Record<string, unknown> = {};
    for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
      const v = (runtimeConfig as Record<string, unknown>)[cap];
      if (on && v !== undefined) rc[cap] = v;
    }
    if (Object.keys(rc).length) config.runtimeConfig = rc;
    if (prevResult !== undefined) config.prevResult = prevResult;
    return config;
  }

  private run(command: CniCommand, plugin: CniPluginConf, r: CniAttachmentRequest, runtimeConfig: RuntimeConfig, prevResult: unknown): Promise<unknown> {
    return execPlugin({
      command, type: plugin.type, pluginDirs: this.pluginDirs, containerId: r.containerId, netns: r.netns, ifName: r.ifName,
      config: this.pluginConfig(plugin, runtimeConfig, prevResult), timeoutMs: this.timeoutMs,
    });
  }

  async add(r: CniAddRequest): Promise<EndpointState> {
    // a second ADD would fail in the bridge plugin, and its undo would take down the first
    if (readCached(this.cacheDir, this.key(r))) {
      throw new SkiffError({
        layer: "engine", code: "ENGINE_CNI_ALREADY_ATTACHED", kind: "conflict",
        message: `CNI ADD of container ${r.containerId} on network ${this.conflist.name}: ${r.ifName} is attached already`,
        hint: "DEL the attachment first (it is what a stopped container's clean-up does)",
      });
    }
    const runtimeConfig: RuntimeConfig = {};
    if (r.ip) runtimeConfig.ips = [`${r.ip}/${this.prefixOf(r.ip)}`];
    if (r.mac) runtimeConfig.mac = r.mac;
    const ports = portmapEntries(r.portMappings);
    if (ports) runtimeConfig.portMappings = ports;
    const plugins = this.conflist.plugins;
    const bridge = plugins.find((p) => p.type === "bridge")?.bridge;
    if (typeof bridge === "string") repairBridgeMac(bridge);
    let prev: Record<string, unknown> | undefined;
    let ran = 0;
    try {
      for (const plugin of plugins) {
        ran++; // a plugin that failed part-way may have made something: it gets a DEL too
        if (idle(plugin, runtimeConfig)) continue;
        prev = parseCniResult(await this.run("ADD", plugin, r, runtimeConfig, prev), plugin.type).raw;
      }
      if (!prev) throw new Error("CNI ADD: the conflist has no plugins");
      const endpoint = endpointOf(parseCniResult(prev, plugins.at(-1)!.type), r.ifName, this.conflist.name);
      writeCached(this.cacheDir, this.key(r), { result: prev, runtimeConfig });
      return endpoint;
    } catch (e) {
      for (let i = ran - 1; i >= 0; i--) {
        if (idle(plugins[i]!, runtimeConfig)) continue;
        await this.run("DEL", plugins[i]!, r, runtimeConfig, prev).catch((d: unknown) => {
          log.warn(`undo a failed CNI ADD of ${r.containerId} on ${this.conflist.name}: ${isSkiffError(d) ? d.message : String(d)}`);
        });
      }
      removeCached(this.cacheDir, this.key(r));
      throw e;
    }
  }

  async del(r: CniDelRequest): Promise<void> {
    const cached = readCached(this.cacheDir, this.key(r));
    const runtimeConfig: RuntimeConfig = cached?.runtimeConfig ?? {};
    if (!cached) {
      const ports = portmapEntries(r.portMappings);
      if (ports) runtimeConfig.portMappings = ports;
    }
    const prevResult = cached?.result;
    const errors: SkiffError[] = [];
    for (const plugin of [...this.conflist.plugins].reverse()) {
      if (cached && idle(plugin, runtimeConfig)) continue; // (without the cache, which ports ADD had is unknown)
      try {
        await this.run("DEL", plugin, r, runtimeConfig, prevResult);
      } catch (e) {
        if (isSkiffError(e) && typeof e.details.cniMsg === "string" && ALREADY_GONE.test(e.details.cniMsg)) {
          log.debug(`CNI DEL of ${plugin.type}: already gone: ${e.details.cniMsg}`);
          continue;
        }
        errors.push(isSkiffError(e) ? e : new SkiffError({ layer: "engine", code: "ENGINE_CNI_FAILED", kind: "internal", message: `CNI DEL of plugin ${plugin.type}: ${String(e)}`, cause: e }));
      }
    }
    if (errors.length) {
      // the cache stays: a DEL run again gets the same prevResult
      if (errors.length === 1) throw errors[0];
      const first = errors[0]!;
      throw new SkiffError({
        layer: "engine", code: first.code, kind: first.kind, hint: first.hint, cause: first,
        message: `${first.message}; and ${errors.length - 1} more: ${errors.slice(1).map((e) => e.message).join("; ")}`,
        details: { ...first.details, errors: errors.map((e) => e.toJSON()) },
      });
    }
    removeCached(this.cacheDir, this.key(r));
  }

  /** CHECK through the chain with the cached result; ENGINE_CNI_NOT_ATTACHED when ADD left none. */
  async check(r: CniAttachmentRequest): Promise<void> {
    const cached = readCached(this.cacheDir, this.key(r));
    if (!cached) {
      throw new SkiffError({
        layer: "engine", code: "ENGINE_CNI_NOT_ATTACHED", kind: "not_found",
        message: `CNI CHECK of container ${r.containerId} on network ${this.conflist.name}: no ADD result for ${r.ifName}`,
        hint: "the container was never attached to this network, or its attachment was removed",
      });
    }
    for (const plugin of this.conflist.plugins) {
      if (!idle(plugin, cached.runtimeConfig)) await this.run("CHECK", plugin, r, cached.runtimeConfig, cached.result);
    }
  }

  /** The host's side of an attachment (the veth on the bridge), as its cached ADD result names it. */
  hostInterface(r: CniAttachmentRequest): string | undefined {
    const cached = readCached(this.cacheDir, this.key(r));
    if (!cached) return undefined;
    try {
      const bridge = this.conflist.plugins.find((p) => p.type === "bridge")?.bridge;
      return parseCniResult(cached.result, "the cached ADD result").interfaces.find((i) => !i.sandbox && i.name !== bridge)?.name;
    } catch {
      return undefined;
    }
  }

  /** The prefix length host-local wants with a fixed address: the subnet's. */
  private prefixOf(ip: string): number {
    const bridge = this.conflist.plugins.find((p) => p.type === "bridge");
    const ranges = (bridge?.ipam as { ranges?: { subnet?: string }[][] } | undefined)?.ranges ?? [];
    const subnet = ranges.flat().find((r) => typeof r.subnet === "string")?.subnet;
    return subnet ? Number(subnet.slice(subnet.indexOf("/") + 1)) : ip.includes(":") ? 128 : 32;
  }
}

