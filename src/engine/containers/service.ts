// The container service: docker's container verbs over the engine's records, the image store,
// the runtimes and the monitors. A container's process runs under its monitor (conmon's model),
// not under skiffd: the service starts it, follows its exit through the monitor's socket, and
// after a daemon restart finds it again from its record and state dir (restore()).
//
// Records and files: a record is written once its files (bundle, log dir, network files) are, and
// marked "removing" before they go; restore() repairs what a daemon that died in between left
// (files no record names are removed, a removal is finished, a start cut short is undone).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { isSkiffError, SkiffError } from "../../common/errors.ts";
import { log } from "../../common/log.ts";
import { mark } from "../../common/trace.ts";
import { parseSignal } from "../../runtime/signals.ts";
import type { ContainerDefaults } from "../../oci/image/image-config.ts";
import type { MetadataDb } from "../metadata/index.ts";
import { conflict, invalidArg } from "./errors.ts";
import type { ContainerEvents } from "./events.ts";
import { removeContainerDir } from "./container-dirs.ts";
import { containerFiles, type EngineRoots } from "./layout.ts";
import { checkName, randomName } from "./names.ts";
import { DEFAULT_BRIDGE_DEVICE, Networking, type NetworkServiceApi } from "../networks/index.ts";
import { networkModeOf, withJoinedIdentity } from "./network-mode.ts";
import { familiarNameSafe } from "../images/index.ts";
import { joinSharedNamespaces, resolveSharedModes } from "./shared-namespaces.ts";
import { isActive, newRunState, type ContainerRecord } from "./record.ts";
import { DEFAULT_RUNTIME, initBinary, Runtimes } from "./runtimes.ts";
import { buildContainerSpec, INIT_DESTINATION, probeBlkioSupport, readHostFacts, type BlkioSupport, type ContainerOptions } from "./spec/index.ts";
import { ContainerStore } from "./store.ts";
import type { ContainerImages } from "./images-port.ts";
import { Execs, type ExecConfig, type ExecRecord } from "./execs.ts";
import type { Socket } from "node:net";
import { MONITOR } from "./layout.ts";
import { readLog, type LogEntry, type LogOptions } from "./logs.ts";
import { attach, resize, type AttachOptions } from "./monitor/index.ts";
import { Supervisor } from "./supervisor.ts";
import { sampleStats, type StatsSample } from "./stats-sample.ts";
import { directorySize } from "./disk-usage.ts";
import { VolumeService } from "../volumes/index.ts";
import { ContainerVolumes } from "./container-volumes.ts";
import { ContainerFiles } from "./files/container-files.ts";
import { HealthChecks } from "./health.ts";
import { CgroupParent, DEFAULT_CGROUP_PARENT } from "./cgroup-parent.ts";
import { healthcheckProblem } from "./health-state.ts";
import { restartPolicyProblem } from "./restart-policy.ts";
import { applyUpdate, type ContainerUpdate } from "./update.ts";

export type { ContainerImages };


export interface ContainerServiceOptions extends EngineRoots {
  images: ContainerImages;
  metadata: MetadataDb;
  events: ContainerEvents;
  /** Host path of the --init binary, when there is one. */
  initPath?: string;
  /** cgroupsPath parent for containers ("/skiff"). */
  cgroupParent?: string;
  /** The default network's bridge device and address (skiffd --bridge, --bip). */
  defaultBridge?: { device: string; bip?: string };
  /** Where the CNI plugins are looked for (skiffd's $CNI_PATH); cni/exec-plugin.ts's defaults when absent. */
  cniPluginDirs?: readonly string[];
}

export interface CreateRequest {
  image: string;
  name?: string;
  options: ContainerOptions;
}

export class ContainerService {
  readonly store: ContainerStore;
  readonly runtimes: Runtimes;
  private readonly supervisor: Supervisor;
  readonly execs: Execs;
  /** The volumes (their service is the API's /volumes) and what containers do with them. */
  readonly volumes: ContainerVolumes;
  /** cp, diff, export and commit (files/). */
  readonly files: ContainerFiles;
  private readonly health: HealthChecks;
  private readonly cgroupParent: CgroupParent;
  private blkio: BlkioSupport | undefined;
  private readonly networking: Networking;

  /** docker network … (the API's /networks). */
  get networks(): NetworkServiceApi {
    return this.networking.service;
  }

  get events(): ContainerEvents {
    return this.opts.events;
  }

  constructor(private readonly opts: ContainerServiceOptions) {
    this.store = new ContainerStore(opts.metadata);
    this.runtimes = new Runtimes(opts);
    this.execs = new Execs(this.runtimes, opts.images);
    this.cgroupParent = new CgroupParent(opts.cgroupParent ?? DEFAULT_CGROUP_PARENT, opts.execRoot);
    const volumeService = new VolumeService({ dataRoot: opts.dataRoot, metadata: opts.metadata, emit: (action, name, attributes) => void opts.events.log.emit("volume", action, name, attributes) });
    this.volumes = new ContainerVolumes(volumeService, opts.images, (ref) => this.store.resolve(ref));
    opts.images.usedBy = (imageId) => this.store.usingImage(imageId).map((id) => ({ id, running: isActive(this.store.get(id)?.state ?? newRunState()) }));
    this.health = new HealthChecks({ store: this.store, execs: this.execs, events: opts.events });
    this.networking = new Networking({
      metadata: opts.metadata,
      dataRoot: opts.dataRoot,
      defaultBridge: opts.defaultBridge ?? { device: DEFAULT_BRIDGE_DEVICE },
      ...(opts.cniPluginDirs ? { pluginDirs: opts.cniPluginDirs } : {}),
      containers: { resolve: (ref) => this.store.resolve(ref), get: (id) => this.store.get(id), all: () => this.store.all(), update: (r) => this.store.update(r as ContainerRecord) },
      emit: (action, n, attributes) => void opts.events.log.emit("network", action, n.id, { name: n.name, type: n.driver, ...attributes }),
    });
    const networkHooks = {
      prepare: (r: ContainerRecord) => joinSharedNamespaces(r, this.store),
      up: (r: ContainerRecord, pid: number) => this.networking.up(r, pid),
      down: (r: ContainerRecord) => this.networking.down(r),
    };
    this.supervisor = new Supervisor({ store: this.store, runtimes: this.runtimes, images: opts.images, events: opts.events, remove: (id) => this.remove(id, { force: true, volumes: true, detachInBackground: true }), volumes: this.volumes, networks: networkHooks, stateParent: join(opts.execRoot, "containers"), health: this.health });
    this.files = new ContainerFiles({
      resolve: (ref) => this.store.resolve(ref),
      containerLayer: (imageId, key) => opts.images.containerLayer(imageId, key),
      commitImage: async (req) => {
        const id = await opts.images.commit(req);
        // as dockerd: a commit that names the image tags it (an image tag event, then the container's commit)
        if (req.repo) opts.events.log.emit("image", "tag", id, { ...((opts.images.containerDefaults(id).config.Labels as Record<string, string> | null | undefined) ?? {}), name: familiarNameSafe(`${req.repo}:${req.tag || "latest"}`) });
        return id;
      },
      pause: (r, paused) => this.supervisor.pause(r, paused),
      emit: (action, r, extra) => opts.events.emit(action, r, extra),
      execRoot: opts.execRoot,
      volume: (name) => volumeService.mountForCopy(name),
    });
  }

  /** docker create: the record, the bundle (config.json) and the network files; nothing runs. */
  create(req: CreateRequest): ContainerRecord {
    const made: string[] = [];
    try {
      return this.createContainer(req, made);
    } catch (e) {
      this.volumes.undo(made); // the volumes made for it
      throw e;
    }
  }

  private createContainer(req: CreateRequest, made: string[]): ContainerRecord {
    const name = req.name ? checkName(req.name) : randomName((n) => this.nameTaken(n));
    const runtime = req.options.runtime || DEFAULT_RUNTIME;
    this.runtimes.get(runtime); // an unknown runtime is refused before anything is made
    // as dockerd, a stop signal that is none is refused now, not at the first stop
    if (req.options.stopSignal) {
      try {
        parseSignal(req.options.stopSignal);
      } catch {
        throw invalidArg("ENGINE_STOP_SIGNAL_INVALID", `Invalid signal: ${req.options.stopSignal}`, "give a signal name (SIGTERM, SIGINT, USR1 …) or number", { field: "StopSignal" });
      }
    }
    // restart policy and health check as dockerd checks them (its words)
    const policy = req.options.restartPolicy;
    const policyProblem = policy && restartPolicyProblem(policy, req.options.autoRemove ?? false);
    if (policyProblem) throw invalidArg("ENGINE_RESTART_POLICY_INVALID", policyProblem, "use --restart no, always, on-failure[:N] or unless-stopped (not with --rm)", { field: "HostConfig.RestartPolicy" });
    const healthProblem = req.options.healthcheck && healthcheckProblem(req.options.healthcheck);
    if (healthProblem) throw invalidArg("ENGINE_HEALTHCHECK_INVALID", healthProblem, "give --health-cmd with durations of 1ms or more and retries of 0 or more", { field: "Healthcheck" });
    // as dockerd refuses a --mount bind: a container that could never start is not made (a -v bind's
    // missing source is made at its start instead)
    for (const b of req.options.binds ?? [])
      if (!b.createMissing && !existsSync(b.source)) throw invalidArg("ENGINE_BIND_SOURCE_MISSING", `invalid mount config for type "bind": bind source path does not exist: ${b.source}`, `create ${b.source} on the host first`, { path: b.source });
    // the networks are there and the options fit them, or nothing is made
    // (a network or container:NAME that is not there is the request's fault, a 400: the docker CLI
    // takes any 404 from create for a missing image, and pulled it again before saying so)
    let endpoints: ReturnType<Networking["endpointsFor"]>;
    try {
      const mode = networkModeOf(req.options.network, (ref) => this.store.resolve(ref));
      // (the cgroup namespace recorded as it applies, dockerd's default when none is given)
      const shared = { ...resolveSharedModes(req.options, (ref) => this.store.resolve(ref)), cgroupnsMode: req.options.cgroupnsMode ?? (readHostFacts().cgroupVersion === 2 ? ("private" as const) : ("host" as const)) };
      req = { ...req, options: withJoinedIdentity({ ...shared, ...(mode ? { network: mode } : {}) }, (id) => this.store.get(id)) };
      endpoints = this.networking.endpointsFor(req.options);
      // (dockerd's words for a link to a container that is not there)
      const links = req.options.links?.map((l) => {
        let target: ContainerRecord;
        try {
          target = this.store.resolve(l.container);
        } catch {
          throw invalidArg("ENGINE_LINK_TARGET_NOT_FOUND", `could not get container for ${l.container}`, `run ${l.container} first, or drop --link ${l.container}`);
        }
        return { container: target.id, name: target.name, alias: l.alias };
      });
      if (links) req = { ...req, options: { ...req.options, links } };
    } catch (e) {
      throw isSkiffError(e) && e.kind === "not_found" ? new SkiffError({ layer: e.layer, code: e.code, kind: "invalid_argument", message: e.message, hint: e.hint, details: e.details, cause: e }) : e;
    }
    const image = this.opts.images.containerDefaults(req.image);
    mark("engine: image resolved");
    const resolved = this.volumes.resolve(req.options, image.config.Volumes ?? []);
    made.push(...resolved.made);
    // as dockerd: the image's exposed ports and --expose's together (what -P publishes)
    const exposed = [...new Set([...(image.config.ExposedPorts ?? []), ...(req.options.exposedPorts ?? [])])];
    req = { ...req, options: { ...resolved.options, ...(exposed.length ? { exposedPorts: exposed } : {}) } };
    const id = randomBytes(32).toString("hex");
    const files = containerFiles(this.opts, id);
    const facts = readHostFacts();
    const spec = buildContainerSpec(image.config, req.options, {
      ...facts,
      id,
      rootPath: join(files.bundle, "rootfs"),
      cgroupParent: this.cgroupParent.path,
      networkFiles: { resolvConf: files.resolvConfPath, hostname: files.hostnamePath, hosts: files.hostsPath },
      initPath: this.opts.initPath ?? initBinary(),
      readImageFile: this.opts.images.fileReader(image.id),
    });
    mark("engine: spec built");
    // (--uts host: no hostname in the spec, the host's is the container's)
    const hostname = spec.hostname ?? facts.hostHostname;
    const args = spec.process.args;
    const userArgs = req.options.init && args[0] === INIT_DESTINATION && args[1] === "--" ? args.slice(2) : args;
    const record: ContainerRecord = {
      id,
      name,
      image: req.image,
      imageId: image.id,
      created: new Date().toISOString(),
      imageConfig: image.config,
      options: { ...req.options, runtime },
      // the container's command as asked: --init's /sbin/docker-init -- is the spec's alone (as dockerd's Path and Args)
      path: userArgs[0]!,
      args: userArgs.slice(1),
      hostname,
      runtime,
      files,
      state: newRunState(),
      restartCount: 0,
    };
    // the files first, the record last: a daemon that dies in between leaves files no record names,
    // which restore() removes, never a record whose container cannot start
    try {
      mkdirSync(join(files.bundle, "rootfs"), { recursive: true, mode: 0o711 });
      mkdirSync(join(files.logPath, ".."), { recursive: true, mode: 0o710 });
      writeFileSync(join(files.bundle, "config.json"), JSON.stringify(spec, null, 2));
      const net = { hostname: `${hostname}\n`, ...this.networking.files({ hostname, options: req.options }, endpoints) };
      writeFileSync(files.hostnamePath, net.hostname);
      writeFileSync(files.hostsPath, net.hosts);
      writeFileSync(files.resolvConfPath, net.resolvConf);
    } catch (e) {
      this.dropFiles(record);
      throw new SkiffError({ layer: "engine", code: "ENGINE_CREATE_FAILED", kind: "internal", message: `create container ${name}: ${(e as Error).message}`, hint: "check the data root and exec root (space, permissions)", cause: e });
    }
    mark("engine: bundle written");
    try {
      this.store.insert(record);
      this.volumes.use(record);
      this.networking.use(record.id, endpoints);
    } catch (e) {
      this.dropFiles(record); // (the name was taken meanwhile)
      throw e;
    }
    this.opts.events.emit("create", record);
    return record;
  }

  private nameTaken(name: string): boolean {
    try {
      this.store.resolve(name);
      return true;
    } catch {
      return false;
    }
  }

  /** What the host's block I/O controller takes (read once): the API drops the rest with dockerd's warnings. */
  blkioSupport(): BlkioSupport {
    return (this.blkio ??= probeBlkioSupport());
  }

  inspect(ref: string): ContainerRecord {
    return this.store.resolve(ref);
  }

  list(): ContainerRecord[] {
    return this.store.all();
  }

  rename(ref: string, newName: string): void {
    const r = this.store.resolve(ref);
    const name = checkName(newName);
    if (name === r.name) throw conflict("ENGINE_NAME_IN_USE", `Renaming a container with the same name as its current name`, "choose another name");
    if (this.nameTaken(name)) throw conflict("ENGINE_NAME_IN_USE", `Conflict. The container name "/${name}" is already in use by container "${this.store.resolve(name).id}". You have to remove (or rename) that container to be able to reuse that name.`, "choose another name");
    const old = r.name;
    r.name = name;
    this.store.update(r);
    this.opts.events.emit("rename", r, { oldName: `/${old}` });
  }

  start(ref: string): Promise<"started" | "already"> {
    const r = this.store.resolve(ref);
    if (this.files.isWriting(r.id)) throw conflict("ENGINE_CONTAINER_COPY_IN_PROGRESS", `cannot start container ${r.name}: a copy into it is in progress`, "start it again once the copy is done");
    return this.supervisor.start(r);
  }

  stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<"stopped" | "already"> {
    return this.supervisor.stop(this.store.resolve(ref), timeoutSeconds, signal);
  }

  kill(ref: string, signal?: string): Promise<void> {
    return this.supervisor.kill(this.store.resolve(ref), signal);
  }

  restart(ref: string, timeoutSeconds?: number): Promise<void> {
    return this.supervisor.restart(this.store.resolve(ref), timeoutSeconds);
  }

  pause(ref: string): Promise<void> {
    return this.supervisor.pause(this.store.resolve(ref), true);
  }

  unpause(ref: string): Promise<void> {
    return this.supervisor.pause(this.store.resolve(ref), false);
  }

  /** docker update: new limits (applied at once to a running container) and restart policy. */
  async update(ref: string, u: ContainerUpdate): Promise<void> {
    const r = this.store.resolve(ref);
    const { options } = await applyUpdate(r, u, this.runtimes);
    // (the state may have moved on meanwhile: only the options are this update's)
    const now = this.store.get(r.id) ?? r;
    now.options = options;
    this.store.update(now);
    this.opts.events.emit("update", now);
  }

  /** docker wait: resolves with the exit code once `condition` holds. */
  wait(ref: string, condition: "not-running" | "next-exit" | "removed" = "not-running", signal?: AbortSignal): Promise<{ exitCode: number; error?: string }> {
    return this.supervisor.wait(this.store.resolve(ref), condition, signal);
  }

  /**
   * The container's output (and stdin) through its monitor; output ends when the container does.
   * A container that does not run yet is attached when it next starts, from its first byte (docker
   * run and start -a attach first); `signal` gives the wait up.
   */
  async attach(ref: string, o: AttachOptions, signal?: AbortSignal): Promise<Socket> {
    const r = this.store.resolve(ref);
    if (r.state.status === "paused") throw conflict("ENGINE_CONTAINER_PAUSED", "You cannot attach to a paused container, unpause it first", `unpause it: skiff unpause ${r.name}`);
    this.opts.events.emit("attach", r); // dockerd's, once the attach is accepted
    if (isActive(r.state)) return attach(join(r.files.stateDir, MONITOR.socket), o);
    return this.supervisor.attachAtStart(r.id, o, signal);
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    const r = this.store.resolve(ref);
    if (!isActive(r.state)) throw conflict("ENGINE_CONTAINER_NOT_RUNNING", `Container ${r.id} is not running`, `start it first: skiff start ${r.name}`);
    await resize(join(r.files.stateDir, MONITOR.socket), rows, cols);
  }

  /** The log's entries; with follow, until the container has exited and its log is drained. */
  logs(ref: string, o: Omit<LogOptions, "running">): AsyncGenerator<LogEntry> {
    const r = this.store.resolve(ref);
    return readLog(r.files.logPath, { ...o, running: () => isActive(this.store.get(r.id)?.state ?? newRunState()) });
  }

  execCreate(ref: string, config: ExecConfig): ExecRecord {
    const c = this.store.resolve(ref);
    const e = this.execs.create(c, config);
    this.opts.events.emit(`exec_create: ${config.cmd.join(" ")}`, c, { execID: e.id });
    return e;
  }

  /** Starts an exec; attached, resolves with its stream (the process runs once it is joined). */
  async execStart(execId: string, o: { detach: boolean }): Promise<Socket | undefined> {
    const e = this.execs.get(execId);
    const c = this.store.resolve(e.containerId);
    // as dockerd: exec_die when the process ends, with its exit code
    const s = await this.execs.start(c, e.id, { ...o, onExit: (exitCode) => this.opts.events.emit("exec_die", c, { execID: e.id, exitCode: String(exitCode) }) });
    this.opts.events.emit(`exec_start: ${e.config.cmd.join(" ")}`, c, { execID: e.id });
    return s;
  }

  execResize(execId: string, rows: number, cols: number): Promise<void> {
    const e = this.execs.get(execId);
    return this.execs.resize(e.id, this.store.resolve(e.containerId), rows, cols);
  }

  /** The pids in the container (for top), host pids. */
  async pids(ref: string): Promise<number[]> {
    const r = this.store.resolve(ref);
    if (!isActive(r.state)) throw conflict("ENGINE_CONTAINER_NOT_RUNNING", `Container ${r.id} is not running`, `start it first: skiff start ${r.name}`);
    return this.runtimes.get(r.runtime).ps(r.id);
  }

  /** One statistics sample (docker stats); `running: false` for a container that is not running. */
  stats(ref: string): Promise<StatsSample> {
    const r = this.store.resolve(ref);
    return sampleStats(r, this.runtimes.get(r.runtime));
  }

  /** Bytes in the container's writable layer (docker's SizeRw). */
  sizeRw(ref: string): number {
    const r = this.store.resolve(ref);
    return directorySize(this.opts.images.containerLayer(r.imageId, r.id).upper);
  }

  /**
   * docker rm: a running container only with force (killed first); its layer, files and record go.
   * It returns once the container's networks are let go too (its veth, address, rules), as
   * docker's; --rm's removal (`detachInBackground`) leaves the plugins' DEL running, off the path
   * `run --rm` waits on.
   */
  async remove(ref: string, o: { force?: boolean; volumes?: boolean; detachInBackground?: boolean } = {}): Promise<void> {
    const r = this.store.resolve(ref);
    if (isActive(r.state) && !o.force)
      throw conflict("ENGINE_CONTAINER_RUNNING", `You cannot remove a ${r.state.status} container ${r.id}. ${r.state.status === "paused" ? "Unpause and then stop" : "Stop"} the container before attempting removal or force remove`, `${r.state.status === "paused" ? `unpause and stop it first (skiff unpause ${r.name}; skiff stop ${r.name})` : `stop it first (skiff stop ${r.name})`} or use rm -f`);
    // one removal at a time: another rm (or --rm's) waits for the one under way; a record left
    // "removing" by a removal that failed is removed again
    const underWay = this.removals.get(r.id);
    // (joining --rm's removal, an rm still waits for the networks' detach, as its own would)
    if (underWay) return o.detachInBackground ? underWay : underWay.then(() => this.supervisor.detached(r.id));
    const removal = this.removeNow(r, o).finally(() => this.removals.delete(r.id));
    this.removals.set(r.id, removal);
    return removal;
  }

  private readonly removals = new Map<string, Promise<void>>();

  private async removeNow(r: ContainerRecord, o: { volumes?: boolean; detachInBackground?: boolean }): Promise<void> {
    await this.supervisor.forget(r, { detachInBackground: o.detachInBackground ?? false });
    this.execs.forget(r.id);
    r.state.status = "removing";
    this.store.update(r);
    this.dropFiles(r); // (throws, the record kept, if a file stays)
    this.store.delete(r.id);
    if (o.volumes) this.volumes.removeAnonymous(r);
    this.opts.events.emit("destroy", r);
    this.supervisor.removed(r.id);
  }

  /** The container's files go (the state dir before the layer that a leftover mount in it uses). */
  private dropFiles(r: ContainerRecord): void {
    removeContainerDir(r.files.stateDir, "state dir");
    removeContainerDir(join(r.files.logPath, ".."), "log dir");
    this.opts.images.removeContainerLayer(r.id);
  }

  /**
   * After a daemon start: containers whose monitor still runs are followed again; the others are
   * marked exited with what their exit file says. State dirs without a record are removed.
   */
  async restore(): Promise<void> {
    // a removal the daemon died in is finished
    for (const r of this.store.all().filter((r) => r.state.status === "removing")) {
      await this.supervisor.forget(r);
      try {
        this.dropFiles(r);
        this.store.delete(r.id);
      } catch (e) {
        log.warn(`container ${r.id}: its removal cannot be finished yet, it stays listed: ${(e as Error).message}`);
      }
    }
    const records = this.store.all();
    await this.networking.restore();
    await this.supervisor.restore(records);
    this.volumes.restore(this.store.all());
    // log and network dirs no record names: a create or removal cut short
    const known = new Set(records.map((r) => r.id));
    const dataParent = join(this.opts.dataRoot, "containers");
    if (existsSync(dataParent)) for (const d of readdirSync(dataParent)) if (/^[0-9a-f]{64}$/.test(d) && !known.has(d)) rmSync(join(dataParent, d), { recursive: true, force: true });
  }

  /** Before a clean stop: waits (at most `ms`) for what a container's exit still has running in
   *  the background, then the networks no container uses give their rules and bridges back. */
  async settle(ms: number): Promise<void> {
    await this.supervisor.settle(ms);
    await this.networking.standDown();
  }

  /** Follows nothing more (the daemon stops; containers keep running under their monitors). */
  close(): void {
    this.health.close();
    this.supervisor.close();
    this.networking.close();
    this.cgroupParent.release();
  }
}
