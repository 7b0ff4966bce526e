// The local driver's options (docker volume create --opt): type, device and o, which make the
// volume a mount of its own (a tmpfs, a bind with o=bind, any filesystem mount(8) knows), done
// when a container first uses it. Checked at create as dockerd does: only these keys, type and
// device together, o only with both; size needs quotas, which skiffd has not.
import { MS, parseMountOptions } from "../../runtime/plan/mount-options.ts";
import { invalidArg } from "./errors.ts";

const VALID = new Set(["type", "device", "o", "size"]);
const REQUIRES: Record<string, string[]> = { type: ["device"], device: ["type"], o: ["device", "type"] };

export function checkDriverOptions(name: string, opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) if (!VALID.has(k)) throw invalidArg("ENGINE_VOLUME_OPTION_INVALID", `create ${name}: invalid option: ${JSON.stringify(k)}`, "the local driver takes --opt type=…, device=… and o=…", { volume: name });
  if ("size" in opts) throw invalidArg("ENGINE_VOLUME_OPTION_INVALID", `create ${name}: quota size requested but no quota support`, "leave size out: skiffd's volumes have no quotas (a tmpfs takes --opt o=size=…)", { volume: name });
  for (const [k, needs] of Object.entries(REQUIRES))
    if (k in opts) for (const n of needs) if (!(n in opts)) throw invalidArg("ENGINE_VOLUME_OPTION_INVALID", `create ${name}: missing required option: ${JSON.stringify(n)}`, "give --opt type=… and --opt device=… together (o=… with both)", { volume: name });
}

/** Whether the options make the volume a mount of its own. */
export const mountsItself = (opts: Record<string, string> | null): boolean => !!opts && "type" in opts && "device" in opts;

export interface VolumeMountCall {
  source: string;
  fstype: string;
  flags: number;
  data: string;
  /** A bind that is read-only needs a second, remounting call (the kernel ignores MS_RDONLY on the first). */
  remountReadOnly: boolean;
}

/** mount(2)'s arguments for the options, as dockerd's mount.Mount splits o= into flags and data. */
export function mountCall(opts: Record<string, string>): VolumeMountCall {
  const parsed = parseMountOptions((opts.o ?? "").split(",").filter(Boolean));
  // (propagation options are a call of their own in mount(2); a volume's mount stays private)
  const flags = parsed.flags;
  return { source: opts.device!, fstype: opts.type!, flags, data: parsed.data.join(","), remountReadOnly: parsed.bind && (flags & MS.RDONLY) !== 0 };
}
