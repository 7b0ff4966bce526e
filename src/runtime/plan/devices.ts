// Device nodes and /dev links the container gets when /dev is not bound from the host: runc's
// default set plus linux.devices. In a user namespace mknod is not allowed, so host nodes are
// bound instead.
import { invalid } from "../../common/errors.ts";
import type { Device } from "../../oci/runtime-config.ts";
import { inRoot, CREATE } from "./mount-steps.ts";
import { MS } from "./mount-options.ts";
import { step, type Step } from "./step.ts";

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** In runc's order, which shows in a user namespace where each is a bind mount. */
export const DEFAULT_DEVICES: Device[] = [
  { type: "c", path: "/dev/null", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: "c", path: "/dev/random", major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: "c", path: "/dev/full", major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: "c", path: "/dev/tty", major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
  { type: "c", path: "/dev/zero", major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: "c", path: "/dev/urandom", major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
];

const LINKS: [target: string, path: string][] = [
  ["/proc/self/fd", "dev/fd"],
  ["/proc/self/fd/0", "dev/stdin"],
  ["/proc/self/fd/1", "dev/stdout"],
  ["/proc/self/fd/2", "dev/stderr"],
  ["pts/ptmx", "dev/ptmx"],
];

function typeBits(d: Device, where: string): number {
  switch (d.type) {
    case "c":
    case "u":
      return S_IFCHR;
    case "b":
      return S_IFBLK;
    case "p":
      return S_IFIFO;
    default:
      throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `read ${where}: device type "${d.type}" is unknown`, "use c, u, b or p");
  }
}

export function devicesSteps(devices: readonly Device[], root: number, userns: boolean): Step[] {
  const steps: Step[] = [];
  // The defaults first, then linux.devices in order (one that replaces a default goes there).
  const byPath = new Map<string, { d: Device; where: string }>();
  const given = new Set(devices.map((d) => inRoot(d.path)));
  DEFAULT_DEVICES.filter((d) => !given.has(inRoot(d.path))).forEach((d) => byPath.set(inRoot(d.path), { d, where: "default devices" }));
  devices.forEach((d, i) => byPath.set(inRoot(d.path), { d, where: `linux.devices[${i}]` }));
  for (const [path, { d, where }] of byPath) {
    if (!path.startsWith("dev/")) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `read ${where}: device path ${d.path} is not under /dev`, "put device nodes under /dev");
    const mode = typeBits(d, where) | (d.fileMode ?? 0o666);
    if (userns) steps.push(step("mount", { root, source: d.path, target: path, fstype: "", flags: MS.BIND, data: "", create: CREATE.file, covered: 0 }, `bind device ${d.path} from the host`));
    else steps.push(step("mknod", { root, path, mode, major: d.major, minor: d.minor, uid: d.uid ?? 0, gid: d.gid ?? 0 }, `create device ${d.path}`));
  }
  for (const [target, path] of LINKS) steps.push(step("symlink", { root, target, path }, `link /${path} to ${target}`));
  return steps;
}
