// skiffd's flag values checked before anything starts: --insecure-registry takes what dockerd
// takes (host, host:port, an IP address or a CIDR; "http://" and "https://" are stripped with a
// warning, any other scheme is refused), and anything else is one clear error, exit status 125,
// with nothing made on disk.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { removeDir, SKIFFD, startSkiffd, tempDir } from "./harness/skiffd.ts";

function runSkiffd(dir: string, extra: string[]) {
  const args = ["--data-root", join(dir, "data"), "--exec-root", join(dir, "exec"), "-H", `unix://${join(dir, "skiff.sock")}`, "--pidfile", join(dir, "skiffd.pid"), ...extra];
  const r = spawnSync(SKIFFD, args, { timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
}

test("--insecure-registry: a value that is not host[:port] or a CIDR is refused at once, naming the value", () => {
  const dir = tempDir("skiffd-flags");
  try {
    const cases: [string, string][] = [
      ["http://bad url", 'invalid host "bad url"'],
      ["bad url", 'invalid host "bad url"'],
      ["svn://mytest.com", "should not contain '://'"],
      ["-invalid-registry", 'invalid host "-invalid-registry"'],
      ["mytest-.com", 'invalid host "mytest-.com"'],
      ["mytest.com:500000", 'invalid port "500000"'],
      ["mytest.com:", 'invalid port ""'],
      ['"mytest.com"', 'invalid host "\\"mytest.com\\""'],
      ["http://registry.example:5000/v2/", 'invalid host "registry.example:5000/v2/"'],
      ["10.0.0.0/33", 'invalid host "10.0.0.0/33"'],
      ["1200:0000:AB00:1234:0000:2552:7777:1313:8080", 'invalid host "1200:0000:AB00:1234:0000:2552:7777:1313:8080"'],
      ["", 'invalid host ""'],
    ];
    for (const [value, why] of cases) {
      const r = runSkiffd(dir, ["--insecure-registry", "127.0.0.1:5000", `--insecure-registry=${value}`]);
      expect({ value, status: r.status }).toEqual({ value, status: 125 });
      expect(r.stderr).toStartWith(`skiffd: cli: --insecure-registry ${JSON.stringify(value)}: `);
      expect(r.stderr).toContain(why);
      expect(r.stderr).toContain("(CLI_INSECURE_REGISTRY_INVALID)\nhint: ");
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(2);
      // refused before anything was made
      expect(existsSync(join(dir, "data")) || existsSync(join(dir, "exec")) || existsSync(join(dir, "skiff.sock")) || existsSync(join(dir, "skiffd.pid"))).toBe(false);
    }
  } finally {
    removeDir(dir);
  }
});

test("--insecure-registry: hosts, host:port, IPv6 and CIDRs are taken; http:// and https:// are stripped with a warning, as dockerd does", async () => {
  const d = await startSkiffd(["--insecure-registry", "http://registry.example:5000", "--insecure-registry", "HTTPS://other.example", "--insecure-registry", "10.0.0.0/8", "--insecure-registry", "2001:db8::/120", "--insecure-registry", "[2001:db8::1]:80", "--insecure-registry", "localhost"]);
  try {
    const r = d.skiff(["info", "--format", "{{json .RegistryConfig.IndexConfigs}}"]);
    expect(r.status).toBe(0);
    const names = Object.keys(JSON.parse(r.stdout) as Record<string, unknown>);
    expect(names).toEqual(expect.arrayContaining(["registry.example:5000", "other.example", "[2001:db8::1]:80", "localhost"]));
    expect(names.some((n) => n.includes("://"))).toBe(false);
  } finally {
    await d.stop();
    removeDir(d.dir);
  }
});
