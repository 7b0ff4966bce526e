import { expect, test } from "bun:test";
import { Readable, Writable } from "node:stream";
import type { ImageService } from "../images/index.ts";
import { EventLog } from "./event-log.ts";
import { withImageEvents } from "./image-events.ts";

/** Just what the decorator calls: tags → ids, ids → labels; removal lists the image's layer too. */
function fakeImages(): ImageService {
  const tags = new Map<string, string>([["busybox:latest", "sha256:bb"]]);
  const labels: Record<string, Record<string, string>> = { "sha256:bb": { maintainer: "me" } };
  const idOf = (ref: string) => tags.get(ref.includes(":") || ref.startsWith("sha256") ? ref : `${ref}:latest`) ?? (ref in labels ? ref : undefined);
  const inspect = (ref: string) => {
    const id = idOf(ref);
    if (!id) throw new Error(`No such image: ${ref}`);
    return { Id: id, Config: { Labels: labels[id] } };
  };
  return {
    inspect,
    list: () => Object.keys(labels).map((Id) => ({ Id })),
    repositoryTags: (repo: string) => [...tags.keys()].filter((t) => t.startsWith(`${repo}:`)),
    pull: async (ref: string) => (tags.set(ref, "sha256:p1"), (labels["sha256:p1"] = {}), inspect(ref)),
    pullAllTags: async (repo: string) => (tags.set(`${repo}:1`, "sha256:p1"), ["1"]),
    tag: (source: string, repo: string, tag?: string) => void tags.set(`${repo}:${tag ?? "latest"}`, idOf(source)!),
    remove: (ref: string) => {
      const id = inspect(ref).Id;
      tags.delete(ref);
      if ([...tags.values()].includes(id)) return [{ Untagged: ref }];
      delete labels[id];
      return [{ Untagged: ref }, { Deleted: id }, { Deleted: "sha256:layer" }];
    },
    push: async () => ({ tag: "1", digest: "sha256:d", size: 1 }),
    save: async () => {},
    load: async () => ({ loaded: ["busybox:latest"] }),
    importRootfs: async () => ((labels["sha256:imp"] = {}), inspect("sha256:imp")),
    prune: () => ({ ImagesDeleted: [], SpaceReclaimed: 1984241 }),
  } as unknown as ImageService;
}

test("each image action as docker reports it: by reference for pull and push, by id with the name for the rest, labels among the attributes", async () => {
  const log = new EventLog();
  const images = withImageEvents(fakeImages(), log);
  await images.pull("alpine:3");
  images.tag("busybox", "me/app", "1");
  await images.push("me/app:1");
  await images.save(["busybox"], new Writable({ write: (_c, _e, cb) => cb() }));
  await images.load(Readable.from([]));
  await images.importRootfs(Readable.from([]), {});
  images.remove("me/app:1");
  images.remove("busybox:latest");
  expect(log.past().map((e) => [e.type, e.action, e.id, e.attributes.name, e.attributes.maintainer])).toEqual([
    ["image", "pull", "alpine:3", "alpine", undefined], // dockerd names the repository
    ["image", "tag", "sha256:bb", "me/app:1", "me"],
    ["image", "push", "me/app:1", "me/app", "me"], // dockerd looks the reference up for the labels
    ["image", "save", "sha256:bb", "sha256:bb", "me"],
    ["image", "load", "sha256:bb", "sha256:bb", "me"],
    ["image", "import", "sha256:imp", "sha256:imp", undefined],
    ["image", "untag", "sha256:bb", "sha256:bb", "me"],
    ["image", "untag", "sha256:bb", "sha256:bb", "me"],
    ["image", "delete", "sha256:bb", "sha256:bb", "me"], // the image only, not the layer listed with it
  ]);
});

test("pull --all-tags: one pull event for the repository; a prune: one prune event, no actor, reclaimed=bytes (dockerd 20.10's)", async () => {
  const log = new EventLog();
  const images = withImageEvents(fakeImages(), log);
  expect(await images.pullAllTags!("127.0.0.1:5000/bb", {})).toEqual(["1"]);
  images.prune({});
  expect(log.past().map((e) => [e.type, e.action, e.id, e.attributes])).toEqual([
    ["image", "pull", "127.0.0.1:5000/bb", { name: "127.0.0.1:5000/bb" }],
    ["image", "prune", "", { reclaimed: "1984241" }],
  ]);
});

test("a failed action reports nothing; what the decorator does not wrap passes through to the store", async () => {
  const log = new EventLog();
  const images = withImageEvents(fakeImages(), log);
  expect(() => images.tag("nosuch", "x")).not.toThrow(); // the fake takes it; no id, no event
  expect(() => images.remove("nosuch:1")).toThrow();
  expect(images.repositoryTags("busybox")).toEqual(["busybox:latest"]);
  expect(log.past()).toEqual([]);
});
