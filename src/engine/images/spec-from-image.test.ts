import { describe, expect, test } from "bun:test";
import type { ContainerDefaults } from "../../oci/image/image-config.ts";
import type { SkiffError } from "../../common/errors.ts";
import { mergeEnv, resolveGroups, resolveUser, specFromImage } from "./spec-from-image.ts";

const files: Record<string, string> = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/sh\n",
  "/etc/group": "root:x:0:\nwww:x:33:\nstaff:x:50:www\nadm:x:4:www,root\n",
};
const read = (p: string) => files[p];
const cfg = (c: Partial<ContainerDefaults> = {}): ContainerDefaults => ({ ExposedPorts: ["80/tcp"], Env: ["PATH=/bin", "A=1"], Volumes: ["/data"], Labels: { a: "b" }, Cmd: ["sh"], ...c });

describe("specFromImage", () => {
  test("Entrypoint + Cmd make the args; run args replace Cmd; --entrypoint drops the image's Cmd", () => {
    expect(specFromImage(cfg({ Entrypoint: ["/init"] }), read).args).toEqual(["/init", "sh"]);
    expect(specFromImage(cfg({ Entrypoint: ["/init"] }), read, { cmd: ["ls"] }).args).toEqual(["/init", "ls"]);
    expect(specFromImage(cfg({ Entrypoint: ["/init"] }), read, { entrypoint: ["/x"] }).args).toEqual(["/x"]);
    const e = (() => { try { specFromImage(cfg({ Cmd: undefined }), read); } catch (x) { return x as SkiffError; } })();
    expect(e?.code).toBe("ENGINE_NO_COMMAND");
  });

  test("env is merged (overrides win), HOME comes from passwd, defaults for cwd and stop signal", () => {
    const s = specFromImage(cfg({ User: "www" }), read, { env: ["A=2", "B=3"] });
    expect(s.env).toEqual(["PATH=/bin", "A=2", "B=3", "HOME=/var/www"]);
    expect(s.cwd).toBe("/");
    expect(s.stopSignal).toBe("SIGTERM");
    expect(s.exposedPorts).toEqual(["80/tcp"]);
    expect(s.volumes).toEqual(["/data"]);
    expect(s.labels).toEqual({ a: "b" });
    expect(mergeEnv(["X=1"], ["X=2"])).toEqual(["X=2"]);
    // the Docker API's Env: a name without "=" removes the variable (the runtime would refuse it)
    expect(mergeEnv(["X=1", "Y=2"], ["X", "Z"])).toEqual(["Y=2"]);
    expect(specFromImage(cfg({ Env: [] }), read).env[0]).toStartWith("PATH=/usr/local/sbin");
  });

  test("users resolve by name, uid, name:group and uid:gid, with supplementary groups", () => {
    expect(specFromImage(cfg({ User: "www" }), read).user).toEqual({ uid: 33, gid: 33, additionalGids: [50, 4], name: "www", home: "/var/www" });
    expect(specFromImage(cfg({ User: "www:staff" }), read).user).toMatchObject({ uid: 33, gid: 50, additionalGids: [] });
    expect(specFromImage(cfg({ User: "1000:1000" }), read).user).toEqual({ uid: 1000, gid: 1000, additionalGids: [] });
    expect(specFromImage(cfg(), read).user).toMatchObject({ uid: 0, gid: 0, additionalGids: [4] });
    expect(specFromImage(cfg({ User: "33" }), () => undefined).user).toEqual({ uid: 33, gid: 0, additionalGids: [] });
    const e = (() => { try { specFromImage(cfg({ User: "nobody" }), read); } catch (x) { return x as SkiffError; } })();
    expect(e?.code).toBe("ENGINE_USER_NOT_FOUND");
  });
});

test("--group-add: numbers as they are, names from /etc/group, an unknown name in dockerd's words", () => {
  const files: Record<string, string> = { "/etc/group": "root:x:0:\naudio:x:29:app\nbad:x:notanumber:\n" };
  const read = (p: string) => files[p];
  expect(resolveGroups(["44", "audio", "0"], read)).toEqual([44, 29, 0]);
  expect(resolveGroups([], () => undefined)).toEqual([]);
  expect(() => resolveGroups(["video"], read)).toThrow("Unable to find group video: no matching entries in group file");
  expect(() => resolveGroups(["bad"], read)).toThrow("Unable to find group bad");
  // (a number past a gid's range is a name to look up, and so unknown)
  expect(() => resolveGroups(["4294967295"], read)).toThrow("Unable to find group 4294967295");
  // (an image whose /etc/group gives a gid past the range: refused here, not by the runtime naming its config.json)
  expect(() => resolveGroups(["huge"], () => "huge:x:4294967295:\n")).toThrow("Unable to find group huge");
});

test("-u with a uid or gid past 2^31-1 is refused here, in runc's words (the runtime's refusal named an internal config.json)", () => {
  for (const spec of ["99999999999", "4294967295", "0:2147483648"]) expect(() => resolveUser(spec, () => undefined)).toThrow("uids and gids must be in range 0-2147483647");
  expect(resolveUser("2147483647:2147483647", () => undefined)).toMatchObject({ uid: 2147483647, gid: 2147483647 });
});
