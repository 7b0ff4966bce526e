import { expect, test } from "bun:test";
import fc from "fast-check";
import { CONTAINER_OPTIONS_PROPERTIES } from "./container-options.fuzz.ts";
import { mapCreateBody } from "./container-options.ts";

const mounted = (Mounts: object[]) => mapCreateBody({ Image: "busybox", HostConfig: { Mounts } } as never).options;

test("--mount: a bind as -v gives it (read-only with ReadOnly), a tmpfs with its size and mode as --tmpfs options", () => {
  const o = mounted([
    { Type: "bind", Source: "/srv/data", Target: "/data" },
    { Type: "bind", Source: "/etc/x", Target: "/x", ReadOnly: true },
    { Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
    { Type: "tmpfs", Target: "/u" },
  ]);
  expect(o.binds).toEqual([
    { source: "/srv/data", destination: "/data", readOnly: false, fromMounts: true },
    { source: "/etc/x", destination: "/x", readOnly: true, fromMounts: true },
  ]);
  expect(o.tmpfs).toEqual([
    { destination: "/t", options: "size=1048576,mode=1777", fromMounts: true },
    { destination: "/u", options: "", fromMounts: true },
  ]);
});

test("--mount refusals are 400s naming the field: relative paths, a tmpfs with a source, a volume named by a path or with bind options, unknown types", () => {
  for (const [m, field] of [
    [{ Type: "bind", Source: "rel", Target: "/x" }, "HostConfig.Mounts[0].Source"],
    [{ Type: "bind", Source: "/x", Target: "rel" }, "HostConfig.Mounts[0].Target"],
    [{ Type: "tmpfs", Source: "/x", Target: "/t" }, "HostConfig.Mounts[0].Source"],
    [{ Type: "volume", Source: "/abs", Target: "/v" }, "HostConfig.Mounts[0].Source"],
    [{ Type: "volume", Source: "vol", Target: "/v", BindOptions: { Propagation: "rshared" } }, "HostConfig.Mounts[0].BindOptions"],
    [{ Type: "npipe", Source: "/x", Target: "/v" }, "HostConfig.Mounts[0].Type"],
  ] as const) {
    let err: any;
    try {
      mounted([m]);
    } catch (e) {
      err = e;
    }
    expect([m.Type, err?.kind, err?.details?.field]).toEqual([m.Type, "invalid_argument", field]);
  }
});

test("volumes: -v NAME:/p[:mode] and -v /p (Binds and Config.Volumes), --mount type=volume, --volumes-from, in the engine's terms", () => {
  const o = mapCreateBody({
    Image: "busybox",
    Volumes: { "/anon": {}, "/taken": {} },
    HostConfig: {
      Binds: ["named:/n", "ro1:/r:ro,nocopy", "/host:/taken", "/bare"],
      Mounts: [{ Type: "volume", Source: "mv", Target: "/m", ReadOnly: true, VolumeOptions: { NoCopy: true, Labels: { a: "b" }, DriverConfig: { Name: "local", Options: { type: "tmpfs", device: "tmpfs" } } } }, { Type: "volume", Target: "/anon2" }],
      VolumesFrom: ["other:ro", "plain", "a:b:rw"],
    },
  } as never).options;
  // a -v bind's missing source is made at start (dockerd), a --mount bind's refused
  expect(o.binds).toEqual([{ source: "/host", destination: "/taken", readOnly: false, createMissing: true }]);
  expect(o.volumes).toEqual([
    { name: "named", destination: "/n", readOnly: false, origin: "binds", mode: "z" },
    { name: "ro1", destination: "/r", readOnly: true, noCopy: true, origin: "binds", mode: "ro,nocopy" },
    { name: "", destination: "/bare", readOnly: false, origin: "binds", mode: "" },
    { name: "mv", destination: "/m", readOnly: true, noCopy: true, origin: "mounts", mode: "z", driverOptions: { type: "tmpfs", device: "tmpfs" }, labels: { a: "b" } },
    { name: "", destination: "/anon2", readOnly: false, origin: "mounts", mode: "z" },
    // (Config.Volumes where a bind already is: the bind wins, as in dockerd)
    { name: "", destination: "/anon", readOnly: false, origin: "config", mode: "" },
  ]);
  expect(o.volumesFrom).toEqual([{ container: "other", mode: "ro" }, { container: "plain", mode: "" }, { container: "a:b", mode: "rw" }]);
});

test("volume refusals: a bad mode, a relative destination, another driver (404, as dockerd), a volumes-from mode that is none", () => {
  const fails = (body: object) => {
    try {
      mapCreateBody({ Image: "busybox", ...body } as never);
    } catch (e) {
      return [(e as { kind: string }).kind, (e as Error).message];
    }
    return undefined;
  };
  expect(fails({ HostConfig: { Binds: ["v1:/x:bogus"] } })).toEqual(["invalid_argument", "invalid mode: bogus"]);
  expect(fails({ HostConfig: { Binds: ["v1:rel"] } })).toEqual(["invalid_argument", "invalid mount config: the destination 'rel' is not an absolute path"]);
  expect(fails({ HostConfig: { Binds: ["v1::/x"] } })?.[1]).toBe("invalid volume specification: 'v1::/x'");
  expect(fails({ HostConfig: { Mounts: [{ Type: "volume", Source: "v", Target: "/v", VolumeOptions: { DriverConfig: { Name: "nfs" } } }] } })).toEqual(["not_found", 'create v: error looking up volume plugin nfs: plugin "nfs" not found']);
  expect(fails({ HostConfig: { VolumesFrom: ["c:rx"] } })).toEqual(["invalid_argument", "invalid mode: rx"]);
  expect(fails({ Volumes: { rel: {} } })?.[1]).toBe("invalid mount config: the destination 'rel' is not an absolute path");
});

test("bind propagation: -v SRC:DST:[ro,]rshared|rslave|… and --mount bind-propagation= are kept; an unknown --mount propagation is a 400", () => {
  const binds = (h: object) => mapCreateBody({ Image: "busybox", HostConfig: h } as never).options.binds;
  expect(binds({ Binds: ["/a:/a:rshared", "/b:/b:ro,rslave", "/c:/c:private", "/d:/d:ro"] })).toEqual([
    { source: "/a", destination: "/a", readOnly: false, createMissing: true, propagation: "rshared" },
    { source: "/b", destination: "/b", readOnly: true, createMissing: true, propagation: "rslave" },
    { source: "/c", destination: "/c", readOnly: false, createMissing: true, propagation: "private" },
    { source: "/d", destination: "/d", readOnly: true, createMissing: true },
  ]);
  expect(binds({ Mounts: [{ Type: "bind", Source: "/e", Target: "/e", BindOptions: { Propagation: "slave" } }, { Type: "bind", Source: "/f", Target: "/f", BindOptions: { CreateMountpoint: true } }] })).toEqual([
    { source: "/e", destination: "/e", readOnly: false, propagation: "slave", fromMounts: true },
    { source: "/f", destination: "/f", readOnly: false, createMissing: true, fromMounts: true },
  ]);
  expect(() => binds({ Mounts: [{ Type: "bind", Source: "/e", Target: "/e", BindOptions: { Propagation: "sideways" } }] })).toThrow("invalid propagation mode: sideways");
});

for (const [name, property] of Object.entries(CONTAINER_OPTIONS_PROPERTIES)) test(`${name} (property, seeded)`, () => fc.assert(property(), { seed: 12, numRuns: 2000 }), 30_000);
