import { expect, test } from "bun:test";
import { matchRoute, stripVersion } from "./routes.ts";

test("image names with slashes, ports and tags route to their handler", () => {
  const cases: [string, string, string, string | undefined][] = [
    ["GET", "/images/json", "imageList", undefined],
    ["GET", "/v1.41/images/localhost:5000/a/b:tag/json", "imageInspect", "localhost:5000/a/b:tag"],
    ["GET", "/images/foo/json/json", "imageInspect", "foo/json"],
    ["DELETE", "/v1.45/images/localhost:5000/a/b:tag", "imageDelete", "localhost:5000/a/b:tag"],
    ["POST", "/images/a/b/tag", "imageTag", "a/b"],
    ["POST", "/images/registry.io/x/push", "imagePush", "registry.io/x"],
    ["GET", "/images/get", "imageSaveMany", undefined],
    ["GET", "/images/busybox:1/get", "imageSaveOne", "busybox:1"],
    ["GET", "/images/sha256%3Aabc/json", "imageInspect", "sha256:abc"],
    ["POST", "/images/create", "imageCreate", undefined],
    ["POST", "/images/load", "imageLoad", undefined],
    ["POST", "/images/prune", "imagePrune", undefined],
    ["HEAD", "/_ping", "ping", undefined],
    ["GET", "/v1.12/version", "version", undefined],
  ];
  for (const [method, path, name, image] of cases) {
    const m = matchRoute(method, path);
    expect({ path, kind: m.kind, name: m.kind === "route" ? m.name : undefined }).toEqual({ path, kind: "route", name: name as never });
    if (m.kind === "route") expect(m.params.name).toBe(image as string);
  }
});

test("versions outside 1.12 to 1.45 are refused; a known path with another method is not allowed", () => {
  expect(matchRoute("GET", "/v1.11/version").kind).toBe("bad_version");
  expect(matchRoute("GET", "/v1.46/version").kind).toBe("bad_version");
  expect(matchRoute("PUT", "/images/json").kind).toBe("not_allowed");
  expect(matchRoute("GET", "/containers/json").kind).toBe("not_found");
  expect(stripVersion("/v1.41/info")).toEqual({ apiVersion: "1.41", path: "/info" });
});
