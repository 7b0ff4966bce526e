import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSkiffError } from "../../common/errors.ts";
import { MetadataDb } from "../metadata/index.ts";
import { VolumeService } from "../volumes/index.ts";
import { ContainerVolumes } from "./container-volumes.ts";
import { notFound } from "./errors.ts";
import type { ContainerImages } from "./images-port.ts";
import type { ContainerRecord } from "./record.ts";

const dir = mkdtempSync(join(tmpdir(), "skiff-cvol-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function setup(others: Record<string, Partial<ContainerRecord["options"]>> = {}) {
  const root = join(dir, `r${n++}`);
  const service = new VolumeService({ dataRoot: root, metadata: new MetadataDb(root) });
  const container = (ref: string) => {
    const o = others[ref];
    if (!o) throw notFound("ENGINE_CONTAINER_NOT_FOUND", `No such container: ${ref}`);
    return { id: ref, options: o } as ContainerRecord;
  };
  return { root, service, cv: new ContainerVolumes(service, {} as ContainerImages, container) };
}

test("resolve: --volumes-from first (mode applied), own mounts win at their paths, image VOLUMEs where nothing is; new volumes made and listed", () => {
  const { root, service, cv } = setup({
    src: {
      binds: [{ source: "/h", destination: "/hb", readOnly: false }],
      volumes: [
        { name: "a".repeat(64), destination: "/shared", readOnly: false, anonymous: true, origin: "config", mode: "", source: "/x/_data" },
        { name: "over", destination: "/over", readOnly: false, origin: "binds", mode: "z", source: "/y/_data" },
      ],
    },
  });
  service.create({ name: "existing" });
  const { options, made } = cv.resolve(
    { volumesFrom: [{ container: "src", mode: "ro" }], volumes: [{ name: "existing", destination: "/over/", readOnly: false, origin: "binds", mode: "z" }, { name: "", destination: "/scratch", readOnly: false, origin: "config", mode: "" }] },
    ["/data", "/scratch"],
  );
  expect(options.binds).toEqual([{ source: "/h", destination: "/hb", readOnly: true }]);
  const vols = options.volumes!;
  expect(vols.map((v) => [v.destination, v.readOnly, v.origin, v.anonymous ?? false])).toEqual([
    ["/shared", true, "from", true],
    ["/over/", false, "binds", false],
    ["/scratch", false, "config", true],
    ["/data", false, "image", true],
  ]);
  expect(vols[1]!.source).toBe(join(root, "volumes/existing/_data"));
  expect(made.sort()).toEqual([vols[2]!.name, vols[3]!.name].sort()); // not "existing", not the borrowed one
  for (const name of made) expect(name).toMatch(/^[0-9a-f]{64}$/);
  cv.undo(made);
  expect(service.list().map((v) => v.name)).toEqual(["existing"]);
});

test("resolve: a refused volume name undoes the volumes made before it; an unknown --volumes-from container is a 400", () => {
  const { service, cv } = setup();
  let err: unknown;
  try {
    cv.resolve({ volumes: [{ name: "fine", destination: "/a", readOnly: false, origin: "binds", mode: "z" }, { name: "../bad", destination: "/b", readOnly: false, origin: "binds", mode: "z" }] }, []);
  } catch (e) {
    err = e;
  }
  expect(isSkiffError(err) && err.kind).toBe("invalid_argument");
  expect(service.list()).toEqual([]);
  try {
    cv.resolve({ volumesFrom: [{ container: "nosuch", mode: "" }] }, []);
  } catch (e) {
    err = e;
  }
  expect(isSkiffError(err) && [err.kind, err.message]).toEqual(["invalid_argument", "No such container: nosuch"]);
});

test("resolve: --volume-driver other than local is dockerd's 404 for the first volume to make, before anything is made; local and empty make local volumes", () => {
  const { service, cv } = setup();
  const vol = (name: string, destination: string) => ({ name, destination, readOnly: false, origin: "binds" as const, mode: "z" });
  let err: unknown;
  try {
    cv.resolve({ volumeDriver: "bogus", volumes: [vol("vdz", "/a"), vol("vdy", "/b")] }, ["/img"]);
  } catch (e) {
    err = e;
  }
  expect(isSkiffError(err) && [err.kind, err.message]).toEqual(["not_found", 'create vdz: error looking up volume plugin bogus: plugin "bogus" not found']);
  expect(service.list()).toEqual([]);
  // an image's VOLUME alone: an anonymous volume's name in the message
  expect(() => cv.resolve({ volumeDriver: "bogus" }, ["/img"])).toThrow(/^create [0-9a-f]{64}: error looking up volume plugin bogus/);
  expect(service.list()).toEqual([]);
  // nothing to make: nothing to look up
  expect(cv.resolve({ volumeDriver: "bogus" }, []).made).toEqual([]);
  expect(cv.resolve({ volumeDriver: "local", volumes: [vol("vdl", "/a")] }, []).made).toEqual(["vdl"]);
});
