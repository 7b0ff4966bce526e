// skiffd's settings that need no daemon to check: --insecure-registry values as dockerd takes them, $CNI_PATH.
import { expect, test } from "bun:test";
import { failure } from "../../common/failure.ts";
import { cniPluginDirs, insecureRegistryEntry } from "./main.ts";

test("--insecure-registry takes host, host:port, IP addresses and CIDRs, as dockerd", async () => {
  for (const v of ["127.0.0.1", "127.0.0.1:8080", "2001:db8::1", "[2001:db8::1]:80", "[2001:db8::1]", "localhost", "my-registry.example.com:5000", "10.0.0.0/8", "2001:db8::/120", "REGISTRY.example"])
    expect(insecureRegistryEntry(v)).toEqual({ entry: v });
});

test("--insecure-registry strips http:// and https:// (any case) with dockerd's warning; other schemes are refused", async () => {
  expect(insecureRegistryEntry("http://mytest.com")).toEqual({ entry: "mytest.com", warning: "insecure registry http://mytest.com should not contain 'http://' and 'http://' has been removed from the insecure registry config" });
  expect(insecureRegistryEntry("HTTPS://mytest.com:5000").entry).toBe("mytest.com:5000");
  const e = await failure(() => insecureRegistryEntry("svn://mytest.com"));
  expect(e.code).toBe("CLI_INSECURE_REGISTRY_INVALID");
  expect(e.message).toBe(`--insecure-registry "svn://mytest.com": should not contain '://'`);
});

test("--insecure-registry refuses what is neither host[:port] nor a CIDR, naming the bad part", async () => {
  const cases: [string, string][] = [
    ["http://bad url", 'invalid host "bad url"'],
    ["-invalid-registry", 'invalid host "-invalid-registry"'],
    ["mytest-.com", 'invalid host "mytest-.com"'],
    ["1200:0000:AB00:1234:0000:2552:7777:1313:8080", 'invalid host "1200:0000:AB00:1234:0000:2552:7777:1313:8080"'],
    ["mytest.com:500000", 'invalid port "500000"'],
    ["mytest.com:http", 'invalid port "http"'],
    ['"mytest.com"', 'invalid host "\\"mytest.com\\""'],
    ['"mytest.com:5000"', 'invalid host "\\"mytest.com"'],
    ["registry.example:5000/v2", 'invalid host "registry.example:5000/v2"'],
    ["10.0.0.0/33", 'invalid host "10.0.0.0/33"'],
    ["10.0.0/8", 'invalid host "10.0.0/8"'],
    ["[not-v6]:80", 'invalid host "not-v6"'],
    ["", 'invalid host ""'],
    ["http://", 'invalid host ""'],
  ];
  for (const [v, why] of cases) {
    const e = await failure(() => insecureRegistryEntry(v));
    expect(e.code).toBe("CLI_INSECURE_REGISTRY_INVALID");
    expect(e.message).toBe(`--insecure-registry ${JSON.stringify(v)}: ${why}`);
    expect(e.hint).toContain("host:port");
  }
});

test("$CNI_PATH: its absolute directories, in order, are where the plugins are looked for; unset, empty or only relative ones leave the defaults", () => {
  expect(cniPluginDirs("/opt/mine/cni:/usr/lib/cni")).toEqual({ cniPluginDirs: ["/opt/mine/cni", "/usr/lib/cni"] });
  expect(cniPluginDirs("relative:/x::")).toEqual({ cniPluginDirs: ["/x"] });
  for (const v of [undefined, "", "::", "rel/dir"]) expect(cniPluginDirs(v)).toEqual({});
});
