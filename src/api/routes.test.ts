import { expect, test } from "bun:test";
import type { SkiffError } from "../common/errors.ts";
import { matchRoute, stripVersion, versionRefusal } from "./routes.ts";
import { API_VERSION, MIN_API_VERSION } from "./version.ts";

test("image names with slashes, ports and tags route to their handler", () => {
  const cases: [string, string, string, string | undefined][] = [
    ["GET", "/images/json", "imageList", undefined],
    ["GET", "/v1.41/images/localhost:5000/a/b:tag/json", "imageInspect", "localhost:5000/a/b:tag"],
    ["GET", "/images/foo/json/json", "imageInspect", "foo/json"],
    ["DELETE", "/v1.40/images/localhost:5000/a/b:tag", "imageDelete", "localhost:5000/a/b:tag"],
    ["POST", "/images/a/b/tag", "imageTag", "a/b"],
    ["POST", "/images/registry.io/x/push", "imagePush", "registry.io/x"],
    ["GET", "/images/get", "imageSaveMany", undefined],
    ["GET", "/images/busybox:1/get", "imageSaveOne", "busybox:1"],
    ["GET", "/images/sha256%3Aabc/json", "imageInspect", "sha256:abc"],
    ["POST", "/images/create", "imageCreate", undefined],
    ["POST", "/images/load", "imageLoad", undefined],
    ["POST", "/images/prune", "imagePrune", undefined],
    ["HEAD", "/_ping", "ping", undefined],
    ["GET", "/v1.24/version", "version", undefined],
  ];
  for (const [method, path, name, image] of cases) {
    const m = matchRoute(method, path);
    expect({ path, kind: m.kind, name: m.kind === "route" ? m.name : undefined }).toEqual({ path, kind: "route", name: name as never });
    if (m.kind === "route") expect(m.params.name).toBe(image as string);
  }
});

test("versions outside MIN_API_VERSION to API_VERSION (what /version says) are refused with dockerd's words; a known path with another method is not allowed", () => {
  expect(`${MIN_API_VERSION}..${API_VERSION}`).toBe("1.24..1.41");
  expect(matchRoute("GET", "/v1.23/version").kind).toBe("bad_version");
  expect(matchRoute("GET", "/v1.42/version").kind).toBe("bad_version");
  expect(matchRoute("GET", "/v1.45/version").kind).toBe("bad_version");
  expect(matchRoute("GET", "/v1.41/version").kind).toBe("route");
  expect(matchRoute("GET", "/v1.24/version").kind).toBe("route");
  expect(versionRefusal("1.45").message).toBe("client version 1.45 is too new. Maximum supported API version is 1.41");
  expect(versionRefusal("1.12").message).toBe("client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version");
  expect(matchRoute("PUT", "/images/json").kind).toBe("not_allowed");
  expect(matchRoute("GET", "/containers/json")).toMatchObject({ kind: "route", name: "containerList" });
  expect(stripVersion("/v1.41/info")).toEqual({ apiVersion: "1.41", path: "/info" });
});

test("lookups of plugins and containers by names no container has throw docker's 404; container and network routes are routed", () => {
  const thrown = (method: string, path: string) => {
    try {
      matchRoute(method, path);
    } catch (e) {
      return e as SkiffError;
    }
    return undefined;
  };
  expect(matchRoute("GET", "/v1.41/containers/busybox/json")).toMatchObject({ kind: "route", name: "containerInspect", params: { id: "busybox" } });
  expect(thrown("GET", "/containers/a/b:1/json")?.message).toBe("No such container: a/b:1");
  expect(matchRoute("GET", "/containers/x%20y/logs")).toMatchObject({ kind: "route", name: "containerLogs", params: { id: "x y" } });
  for (const [method, path, name] of [["GET", "/networks", "networkList"], ["POST", "/networks/create", "networkCreate"], ["POST", "/networks/prune", "networkPrune"], ["GET", "/v1.41/networks/n", "networkInspect"], ["DELETE", "/networks/n", "networkDelete"], ["POST", "/networks/n/connect", "networkConnect"], ["POST", "/networks/n/disconnect", "networkDisconnect"]])
    expect(matchRoute(method!, path!)).toMatchObject({ kind: "route", name });
  expect(matchRoute("GET", "/networks/a%20b")).toMatchObject({ params: { id: "a b" } });
  for (const [method, path, name] of [["GET", "/v1.41/volumes", "volumeList"], ["POST", "/volumes/create", "volumeCreate"], ["POST", "/volumes/prune", "volumePrune"], ["GET", "/volumes/v", "volumeInspect"], ["DELETE", "/volumes/v", "volumeDelete"]])
    expect(matchRoute(method!, path!)).toMatchObject({ kind: "route", name });
  expect(matchRoute("GET", "/volumes/a%2F..")).toMatchObject({ params: { name: "a/.." } }); // (the engine refuses the name)
  expect(thrown("GET", "/plugins/p/json")?.message).toBe('plugin "p" not found');
  for (const [method, path, name] of [["POST", "/containers/create", "containerCreate"], ["POST", "/containers/x/start", "containerStart"], ["DELETE", "/containers/x", "containerDelete"], ["GET", "/containers/json", "containerList"], ["POST", "/containers/x/attach", "containerAttach"]])
    expect(matchRoute(method!, path!)).toMatchObject({ kind: "route", name });
  expect(matchRoute("GET", "/containers/x/stats")).toMatchObject({ kind: "route", name: "containerStats" });
});
