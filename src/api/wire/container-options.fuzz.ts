// Properties of a create body's HostConfig as skiffd maps it, for fast-check, run briefly with a
// fixed seed by container-options.test.ts (and long by scripts/fuzz.ts): any resources, namespace
// modes, sysctls, masked and read-only paths and the options skiffd does not apply go through the
// schema and mapCreateBody to the engine's options or a refusal naming a field with a hint, never
// another error; and what comes out is what the runtime may be given (whitelisted sysctl names
// with one-line values, absolute paths, namespace modes docker knows, a swappiness of 0-100).
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { SchemaFailure } from "../schema.ts";
import { containerCreateBody } from "./container-create.ts";
import { mapCreateBody } from "./container-options.ts";

const pieces = ["", "host", "private", "shareable", "none", "container:x", "net.ipv4.ip_forward", "kernel.shmmax", "fs.mqueue.msg_max", "kernel.hostname", "net.ipv4/../../x", "net..x", "net. x", "/proc/kcore", "proc/x", "/a\0b", "1", "a\nb", "__proto__", "gpu", "nvidia"];
const text = fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 12 }));
const number = fc.oneof(fc.constantFrom(-1, 0, 1, 500, 1000, 6 * 1024 * 1024, 2 ** 31, 1e6, 1.5), fc.integer());

const fields: Record<string, fc.Arbitrary<unknown>> = {
  Memory: number,
  MemoryReservation: number,
  MemorySwappiness: fc.oneof(number, fc.constant(null)),
  OomKillDisable: fc.boolean(),
  OomScoreAdj: number,
  CpuQuota: number,
  CpuPeriod: number,
  CpuShares: number,
  NanoCpus: number,
  CpusetMems: text,
  KernelMemory: number,
  CpuRealtimeRuntime: number,
  BlkioWeight: number,
  BlkioDeviceReadBps: fc.array(fc.record({ Path: text, Rate: number }, { requiredKeys: [] }), { maxLength: 2 }),
  BlkioWeightDevice: fc.array(fc.record({ Path: text, Weight: number }, { requiredKeys: [] }), { maxLength: 2 }),
  CgroupParent: text,
  StorageOpt: fc.dictionary(text, text, { maxKeys: 2 }),
  DeviceRequests: fc.array(fc.record({ Driver: text, Count: number, Capabilities: fc.array(fc.array(text, { maxLength: 2 }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 1 }),
  PidMode: text,
  IpcMode: text,
  UTSMode: text,
  CgroupnsMode: text,
  Sysctls: fc.dictionary(text, text, { maxKeys: 3 }),
  MaskedPaths: fc.array(text, { maxLength: 3 }),
  ReadonlyPaths: fc.array(text, { maxLength: 3 }),
  SecurityOpt: fc.array(fc.constantFrom("systempaths=unconfined", "systempaths=x", "no-new-privileges"), { maxLength: 2 }),
};
/** A few fields at a time: with all of them, nearly every body is refused for one before the others are read. */
const hostConfig = fc.array(fc.oneof(...Object.entries(fields).map(([k, v]) => v.map((x) => [k, x] as const))), { maxLength: 4 }).map((e) => Object.fromEntries(e) as Record<string, any>);

const IPC_SYSCTLS = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"];

export const anyHostConfig = () =>
  fc.property(hostConfig, fc.option(text, { nil: undefined }), (h, hostname) => {
    let body;
    try {
      body = containerCreateBody.check({ Image: "busybox", ...(hostname === undefined ? {} : { Hostname: hostname }), HostConfig: h }, "");
    } catch (e) {
      if (e instanceof SchemaFailure) return;
      throw e;
    }
    let o;
    try {
      o = mapCreateBody(body).options;
    } catch (e) {
      if (!isSkiffError(e) || e.code !== "API_BODY_INVALID" || typeof e.details.field !== "string" || !e.hint) throw e;
      return;
    }
    for (const [k, v] of Object.entries(o.sysctls ?? {}))
      if (!(IPC_SYSCTLS.includes(k) || /^(net|fs\.mqueue)\.[^\s/]+$/.test(k)) || k.includes("..") || /[\0\n]/.test(v)) throw new Error(`a sysctl came out as ${JSON.stringify([k, v])}`);
    for (const p of [...(o.maskedPaths ?? []), ...(o.readonlyPaths ?? [])]) if (!p.startsWith("/") || p.includes("\0")) throw new Error(`a path came out as ${JSON.stringify(p)}`);
    // a mode docker knows, and for container:NAME a name (the engine resolves it)
    const modeOk = (m: string | undefined, known: string[]) => m === undefined || known.includes(m) || /^container:./s.test(m);
    if (!modeOk(o.pidMode, ["host"]) || !modeOk(o.ipcMode, ["host", "none", "shareable"]) || !(o.utsMode === undefined || o.utsMode === "host") || !(o.cgroupnsMode === undefined || ["host", "private"].includes(o.cgroupnsMode)))
      throw new Error(`a namespace mode came out as ${JSON.stringify([o.pidMode, o.ipcMode, o.utsMode, o.cgroupnsMode])}`);
    if (o.utsMode === "host" && o.hostname) throw new Error("--uts host kept a hostname");
    if (o.memorySwappiness !== undefined && !(o.memorySwappiness >= 0 && o.memorySwappiness <= 100)) throw new Error(`a swappiness came out as ${o.memorySwappiness}`);
    // what skiffd does not apply never comes through
    if (o.cgroupParent !== undefined && (!o.cgroupParent.startsWith("/") || o.cgroupParent.split("/").some((x) => x === ".." || x === ".") || /[\0\n]/.test(o.cgroupParent))) throw new Error(`a cgroup parent came out as ${JSON.stringify(o.cgroupParent)}`);
    for (const d of [...(o.blkio?.weightDevice ?? []), ...(o.blkio?.readBps ?? [])]) if (!d.path.startsWith("/")) throw new Error(`a blkio device path came out as ${d.path}`);
    if (o.blkio?.weight !== undefined && !(o.blkio.weight >= 10 && o.blkio.weight <= 1000)) throw new Error(`a blkio weight came out as ${o.blkio.weight}`);
    if (h.CpuRealtimeRuntime || h.DeviceRequests?.length || (h.StorageOpt && Object.keys(h.StorageOpt).length)) throw new Error(`an option skiffd does not apply was taken: ${JSON.stringify(h)}`);
  });

export const CONTAINER_OPTIONS_PROPERTIES: Record<"anyHostConfig", () => fc.IRawProperty<any>> = { anyHostConfig };
