// The volume parts of docker's create body → the engine's volume options: HostConfig.Binds
// entries that name a volume ("NAME:/ctr[:mode]") or none ("/ctr"), HostConfig.Mounts of type
// volume, Config.Volumes (docker run -v /ctr) and HostConfig.VolumesFrom. What passes the schema
// but means nothing valid is a 400 naming the field, in dockerd's words.
import { SkiffError } from "../../common/errors.ts";
import type { VolumeMount, VolumesFrom } from "../../engine/containers/index.ts";
import type { ContainerCreateBody } from "./container-create.ts";

const bad = (field: string, message: string, hint: string) => new SkiffError({ layer: "api", code: "API_BODY_INVALID", kind: "invalid_argument", message, hint, details: { field } });

/** The mode words -v takes after the second colon. */
export const BIND_MODES = ["ro", "rw", "z", "Z", "rprivate", "private", "rshared", "shared", "rslave", "slave", "nocopy"];

/** A Binds entry that is a volume: "NAME:/ctr[:mode]" or "/ctr" alone (anonymous). */
export function bindVolume(parts: readonly string[], field: string): VolumeMount {
  const [first, second, mode = ""] = parts as [string, string?, string?];
  const destination = second ?? first;
  if (!destination.startsWith("/")) throw bad(field, `invalid mount config: the destination '${destination}' is not an absolute path`, "give an absolute path inside the container");
  const opts = mode.split(",").filter(Boolean);
  for (const o of opts) if (!BIND_MODES.includes(o)) throw bad(field, `invalid mode: ${o}`, "use ro or rw (and nocopy)");
  if (second === undefined) return { name: "", destination, readOnly: false, origin: "binds", mode: "" };
  return { name: first, destination, readOnly: opts.includes("ro"), ...(opts.includes("nocopy") ? { noCopy: true } : {}), origin: "binds", mode: mode || "z" };
}

type CreateMount = NonNullable<NonNullable<ContainerCreateBody["HostConfig"]>["Mounts"]>[number];

/** `--mount type=volume,src=NAME,dst=/ctr,readonly,volume-nocopy,volume-opt=…,volume-label=…`. */
export function mountVolume(m: CreateMount, field: string): VolumeMount {
  if (m.BindOptions) throw bad(`${field}.BindOptions`, 'invalid mount config for type "volume": BindOptions must not be specified', "bind-propagation and friends are for type=bind");
  if (m.TmpfsOptions) throw bad(`${field}.TmpfsOptions`, 'invalid mount config for type "volume": TmpfsOptions must not be specified', "tmpfs-size and tmpfs-mode are for type=tmpfs");
  const source = m.Source ?? "";
  if (source.startsWith("/")) throw bad(`${field}.Source`, `invalid mount config for type "volume": invalid volume name: '${source}'`, "name a volume (or use type=bind for a host path)");
  const vo = m.VolumeOptions;
  // (API 1.45's: mounting the whole volume instead would show more than was asked for)
  if (vo?.Subpath) throw bad(`${field}.VolumeOptions.Subpath`, `invalid mount config for type "volume": a volume subpath is not served by skiffd (API 1.41)`, "mount the whole volume and use the subdirectory's path in the container");
  const driver = vo?.DriverConfig?.Name;
  if (driver && driver !== "local") throw new SkiffError({ layer: "api", code: "API_VOLUME_DRIVER_NOT_FOUND", kind: "not_found", message: `create ${source}: error looking up volume plugin ${driver}: plugin ${JSON.stringify(driver)} not found`, hint: "skiffd serves the local driver only", details: { field: `${field}.VolumeOptions.DriverConfig.Name` } });
  const options = vo?.DriverConfig?.Options;
  return {
    name: source,
    destination: m.Target ?? "",
    readOnly: m.ReadOnly ?? false,
    ...(vo?.NoCopy ? { noCopy: true } : {}),
    origin: "mounts",
    mode: "z",
    ...(options && Object.keys(options).length ? { driverOptions: options } : {}),
    ...(vo?.Labels && Object.keys(vo.Labels).length ? { labels: vo.Labels } : {}),
  };
}

/** Config.Volumes: an anonymous volume at each path nothing else is mounted on (binds and mounts win, as in dockerd). */
export function configVolumes(paths: readonly string[], taken: readonly string[]): VolumeMount[] {
  const norm = (p: string) => p.replace(/\/+$/, "") || "/";
  const busy = new Set(taken.map(norm));
  return paths.filter((p) => !busy.has(norm(p))).map((p, i) => {
    if (!p.startsWith("/")) throw bad(`Volumes[${i}]`, `invalid mount config: the destination '${p}' is not an absolute path`, "give an absolute path inside the container");
    return { name: "", destination: p, readOnly: false, origin: "config" as const, mode: "" };
  });
}

/** HostConfig.VolumesFrom: "CONTAINER[:ro|rw]". */
export function volumesFrom(list: readonly string[]): VolumesFrom[] {
  return list.map((spec, i) => {
    const colon = spec.lastIndexOf(":");
    const [container, mode] = colon < 0 ? [spec, ""] : [spec.slice(0, colon), spec.slice(colon + 1)];
    if (!container) throw bad(`HostConfig.VolumesFrom[${i}]`, `invalid volumes-from spec: '${spec}'`, "give CONTAINER[:ro|rw]");
    if (mode !== "" && mode !== "ro" && mode !== "rw") throw bad(`HostConfig.VolumesFrom[${i}]`, `invalid mode: ${mode}`, "use CONTAINER:ro or CONTAINER:rw");
    return { container, mode };
  });
}
