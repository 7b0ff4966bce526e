// --blkio-weight, --blkio-weight-device and --device-read/write-bps/iops: what the host's block I/O
// controller can take (dockerd's sysinfo: the files the runtime writes, v1's blkio or v2's io
// controller), and the options as linux.resources.blockIO, each device path turned into the
// numbers the kernel takes (a path that is no block device is refused at create: the kernel
// would refuse 0:0 at start, with EINVAL alone).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { invalid } from "../../../common/errors.ts";
import { readCgroupLayout } from "../../../runtime/cgroups/manager.ts";
import type { CgroupLayout } from "../../../runtime/cgroups/hierarchy.ts";

export interface BlkioSupport {
  weight: boolean;
  weightDevice: boolean;
  readBps: boolean;
  writeBps: boolean;
  readIOps: boolean;
  writeIOps: boolean;
}

export interface BlkioOptions {
  /** 10-1000; dockerd's range. */
  weight?: number;
  weightDevice?: { path: string; weight: number }[];
  readBps?: { path: string; rate: number }[];
  writeBps?: { path: string; rate: number }[];
  readIOps?: { path: string; rate: number }[];
  writeIOps?: { path: string; rate: number }[];
}

/** Whether a block device of this host has BFQ as its scheduler (its weights exist then). */
function bfqSomewhere(sysBlock = "/sys/block"): boolean {
  try {
    return readdirSync(sysBlock).some((d) => {
      try {
        return readFileSync(join(sysBlock, d, "queue/scheduler"), "utf8").includes("bfq");
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

export function probeBlkioSupport(layout: CgroupLayout = readCgroupLayout(), bfq = bfqSomewhere()): BlkioSupport {
  const v1 = layout.hierarchies.find((h) => h.version === 1 && h.key.split(",").includes("blkio"));
  if (v1) {
    const has = (f: string) => existsSync(join(v1.mountpoint, f));
    // (BFQ's weight files are in the cgroups below the root only: the scheduler says they exist)
    return {
      weight: has("blkio.weight") || bfq,
      weightDevice: has("blkio.weight_device") || bfq,
      readBps: has("blkio.throttle.read_bps_device"),
      writeBps: has("blkio.throttle.write_bps_device"),
      readIOps: has("blkio.throttle.read_iops_device"),
      writeIOps: has("blkio.throttle.write_iops_device"),
    };
  }
  const v2 = layout.hierarchies.find((h) => h.version === 2);
  let io = false;
  try {
    io = !!v2 && readFileSync(join(v2.mountpoint, "cgroup.controllers"), "utf8").split(/\s+/).includes("io");
  } catch {
    io = false;
  }
  return { weight: io, weightDevice: io, readBps: io, writeBps: io, readIOps: io, writeIOps: io };
}

/** A block device's numbers, as the kernel encodes them in st_rdev (glibc's major()/minor()). */
function deviceNumbers(path: string, flag: string): { major: number; minor: number } {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw invalid("engine", "ENGINE_BLKIO_DEVICE", `${flag} ${path}: stat ${path}: ${code === "ENOENT" ? "no such file or directory" : code}`, "give a block device of the host, such as /dev/sda");
  }
  if (!st.isBlockDevice()) throw invalid("engine", "ENGINE_BLKIO_DEVICE", `${flag} ${path}: not a block device`, "give a block device of the host, such as /dev/sda (lsblk lists them)");
  const rdev = st.rdev;
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

/** linux.resources.blockIO for the options; dockerd always writes a weight (0: not set). */
export function blockIo(b: BlkioOptions | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { weight: b?.weight ?? 0 };
  if (!b) return out;
  if (b.weightDevice?.length) out.weightDevice = b.weightDevice.map((d) => ({ ...deviceNumbers(d.path, "--blkio-weight-device"), weight: d.weight }));
  const throttles = [
    ["readBps", "throttleReadBpsDevice", "--device-read-bps"],
    ["writeBps", "throttleWriteBpsDevice", "--device-write-bps"],
    ["readIOps", "throttleReadIOPSDevice", "--device-read-iops"],
    ["writeIOps", "throttleWriteIOPSDevice", "--device-write-iops"],
  ] as const;
  for (const [key, field, flag] of throttles) if (b[key]?.length) out[field] = b[key]!.map((d) => ({ ...deviceNumbers(d.path, flag), rate: d.rate }));
  return out;
}
