import { expect, test } from "bun:test";
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
    { source: "/srv/data", destination: "/data", readOnly: false },
    { source: "/etc/x", destination: "/x", readOnly: true },
  ]);
  expect(o.tmpfs).toEqual([
    { destination: "/t", options: "size=1048576,mode=1777" },
    { destination: "/u", options: "" },
  ]);
});

test("--mount refusals are 400s naming the field: relative paths, a tmpfs with a source, volumes (not served yet), unknown types", () => {
  for (const [m, field] of [
    [{ Type: "bind", Source: "rel", Target: "/x" }, "HostConfig.Mounts[0].Source"],
    [{ Type: "bind", Source: "/x", Target: "rel" }, "HostConfig.Mounts[0].Target"],
    [{ Type: "tmpfs", Source: "/x", Target: "/t" }, "HostConfig.Mounts[0].Source"],
    [{ Type: "volume", Source: "vol", Target: "/v" }, "HostConfig.Mounts[0].Type"],
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
