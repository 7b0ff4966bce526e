// Container flag values read as docker's CLI reads them (the same cases against docker 28 itself:
// test/skiff-create-body.test.ts). Every refusal is a cli-layer CLI_FLAG_VALUE_INVALID with a hint.
import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { SkiffError } from "../../common/errors.ts";
import { compactJson, dedupeEnv, device, envValue, int64, keyValueFile, keyValueMap, memBytes, memSwapBytes, nanoCpus, ramInBytes, securityOpts, ulimit, volumeSpec } from "./container-values.ts";

const dir = `/tmp/skiff-test-${process.pid}/container-values`;
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (f: () => unknown): SkiffError => {
  try {
    f();
  } catch (e) {
    return e as SkiffError;
  }
  throw new Error("not refused");
};

test.each([
  ["64m", 64 * 1024 ** 2],
  ["1.5g", 1.5 * 1024 ** 3],
  ["512kb", 512 * 1024],
  ["1GiB", 1024 ** 3],
  ["100", 100],
  ["100b", 100],
  ["10 m", 10 * 1024 ** 2],
  ["0", 0],
  ["1e3", 1000],
  ["1.9", 1],
] as const)("size %s is %d bytes", (text, bytes) => expect(ramInBytes(text)).toBe(bytes));

test.each([
  ["64x", "invalid suffix: 'x'"],
  ["1kk", "invalid suffix: 'kk'"],
  ["1mbb", "invalid suffix: 'mbb'"],
  ["1bi", "invalid suffix: 'bi'"],
  ["-1", "invalid size: '-1'"],
  ["x", "invalid size: 'x'"],
  ["", "invalid size: ''"],
  ["1.5.5m", 'strconv.ParseFloat: parsing "1.5.5": invalid syntax'],
])("size %j is refused: %s", (text, why) => expect(ramInBytes(text)).toBe(why));

test("size flags: docker's words, the flag named, a hint; -1 is unlimited swap only", () => {
  const e = refusal(() => memBytes("64x", "-m, --memory"));
  expect([e.layer, e.code, e.message]).toEqual(["cli", "CLI_FLAG_VALUE_INVALID", `invalid argument "64x" for "-m, --memory" flag: invalid suffix: 'x'`]);
  expect(e.hint).toContain("64m");
  expect(memSwapBytes("-1", "--memory-swap")).toBe(-1);
  expect(refusal(() => memBytes("-1", "--shm-size")).message).toContain("invalid size: '-1'");
});

test.each([
  ["1.5", 1_500_000_000],
  ["3/2", 1_500_000_000],
  ["0.000000001", 1],
  ["2", 2_000_000_000],
  ["-1", -1_000_000_000],
  ["1e-3", 1_000_000],
  [".5", 500_000_000],
] as const)("--cpus %s is %d NanoCpus", (text, nano) => expect(nanoCpus(text)).toBe(nano));

test("--cpus: what is no number, and what is finer than a nanosecond, in docker's words", () => {
  expect(refusal(() => nanoCpus("abc")).message).toBe(`invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number`);
  expect(refusal(() => nanoCpus("1.5.5")).message).toContain("failed to parse 1.5.5 as a rational number");
  expect(refusal(() => nanoCpus("1/0")).message).toContain("as a rational number");
  expect(refusal(() => nanoCpus("0.0000000001")).message).toContain("value is too precise");
});

test("int64 flags: Go's ParseInt words for what is not a number or is out of range", () => {
  expect(int64("-1", "--pids-limit")).toBe(-1);
  expect(refusal(() => int64("1.5", "--pids-limit")).message).toBe(`invalid argument "1.5" for "--pids-limit" flag: strconv.ParseInt: parsing "1.5": invalid syntax`);
  expect(refusal(() => int64("9223372036854775808", "--pids-limit")).message).toContain("value out of range");
});

test("ulimits: soft[:hard], hard defaulting to soft, -1 unlimited; docker's refusals", () => {
  expect(ulimit("nofile=1024:2048")).toEqual({ Name: "nofile", Soft: 1024, Hard: 2048 });
  expect(ulimit("nproc=50")).toEqual({ Name: "nproc", Soft: 50, Hard: 50 });
  expect(ulimit("core=0:-1")).toEqual({ Name: "core", Soft: 0, Hard: -1 });
  expect(refusal(() => ulimit("nofile")).message).toContain("invalid ulimit argument: nofile");
  expect(refusal(() => ulimit("bogus=1")).message).toContain("invalid ulimit type: bogus");
  expect(refusal(() => ulimit("nofile=2048:1024")).message).toContain("ulimit soft limit must be less than or equal to hard limit: 2048 > 1024");
  expect(refusal(() => ulimit("nofile=1:2:3")).message).toContain("too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`");
  expect(refusal(() => ulimit("nofile=a")).message).toContain('strconv.ParseInt: parsing "a": invalid syntax');
});

test.each([
  ["/dev/fuse", "/dev/fuse", "/dev/fuse", "rwm"],
  ["/dev/null:/dev/mynull:r", "/dev/null", "/dev/mynull", "r"],
  ["/dev//zero:rw", "/dev/zero", "/dev/zero", "rw"],
  ["/dev/a:/b//c/", "/dev/a", "/b/c", "rwm"],
  ["/dev//x:/y//z:wm", "/dev//x", "/y//z", "wm"],
  ["/dev/sda:mr", "/dev/sda", "/dev/sda", "mr"],
] as const)("--device %s", (spec, host, inContainer, perms) => expect(device(spec)).toEqual({ PathOnHost: host, PathInContainer: inContainer, CgroupPermissions: perms }));

test.each([
  ["/dev/x:/y:q", "bad mode specified: q"],
  ["/dev/x:/y:rr", "bad mode specified: rr"],
  ["rel", "rel is not an absolute path"],
  ["/dev/a:rel", "rel is not an absolute path"],
  ["/a:/b:rw:x", "bad format for path: /a:/b:rw:x"],
  [":/b", "bad format for path: :/b"],
])("--device %s is refused: %s", (spec, why) => expect(refusal(() => device(spec)).message).toBe(why));

test("volumes: a source makes a bind or a named volume, none an anonymous one; docker's refusals", () => {
  expect(volumeSpec("/tmp:/data:ro")).toEqual({ source: "/tmp", target: "/data" });
  expect(volumeSpec("named:/n")).toEqual({ source: "named", target: "/n" });
  expect(volumeSpec("/anon")).toEqual({ source: "", target: "/anon" });
  expect(volumeSpec("/a")).toEqual({ source: "", target: "/a" });
  // a one-letter name before ":" is read as a Windows drive, as docker's parser does
  expect(volumeSpec("c:/x")).toEqual({ source: "", target: "c:/x" });
  expect(refusal(() => volumeSpec(":/x")).message).toBe("invalid spec: :/x: empty section between colons");
  expect(refusal(() => volumeSpec("/a:/b:ro:x")).message).toBe("invalid spec: /a:/b:ro:x: too many colons");
  expect(refusal(() => volumeSpec("")).message).toBe("invalid empty volume spec");
});

test("-e NAME takes this shell's value when it has one; -e values keep one entry per name", () => {
  expect(envValue("A=1", {})).toBe("A=1");
  expect(envValue("HOME", { HOME: "/root" })).toBe("HOME=/root");
  expect(envValue("NOPE", {})).toBe("NOPE");
  expect(envValue("__proto__", {})).toBe("__proto__");
  expect(refusal(() => envValue("=x", {})).message).toContain("invalid environment variable: =x");
  expect(dedupeEnv(["A=1", "B", "A=2", "C=3"])).toEqual(["A=2", "B", "C=3"]);
});

test("env and label files: BOM, comments, CRLF, values as written, NAME alone from the shell or left out", () => {
  const file = `${dir}/a.env`;
  writeFileSync(file, "\uFEFFA=1\r\n# c\n\n  B=spaced value \nHOME\nNOPE\nEMPTY=\n\t#x\n");
  expect(keyValueFile(file, "env", { HOME: "/root" })).toEqual(["A=1", "B=spaced value ", "HOME=/root", "EMPTY="]);
  expect(keyValueFile(file, "label", { HOME: "/root" })).toEqual(["A=1", "B=spaced value ", "EMPTY="]);
  writeFileSync(file, "OK=1\nB A=2\n");
  expect(refusal(() => keyValueFile(file, "env")).message).toBe(`invalid env file (${file}): variable 'B A' contains whitespaces`);
  writeFileSync(file, "=2\n");
  expect(refusal(() => keyValueFile(file, "env")).message).toContain("no variable name on line '=2'");
  writeFileSync(file, Buffer.from([0x41, 0x3d, 0xff, 0x0a]));
  expect(refusal(() => keyValueFile(file, "env")).message).toContain("invalid utf8 bytes at line 1");
  expect(refusal(() => keyValueFile(`${dir}/none`, "env")).message).toBe(`open ${dir}/none: no such file or directory`);
});

test("labels as a map: the value after the first =, '' without one, names on Object.prototype kept", () => {
  const m = keyValueMap(["a=b", "c", "d=e=f", "__proto__=x", "a=z"]);
  expect(Object.entries(m)).toEqual([["a", "z"], ["c", ""], ["d", "e=f"], ["__proto__", "x"]]);
  expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
});

test("security options: seccomp=FILE becomes the profile compacted; a value is needed but for no-new-privileges", () => {
  const file = `${dir}/p.json`;
  writeFileSync(file, '{ "defaultAction" : "SCMP_ACT_ERRNO",\n "names": [ "a b", "c\\"d" ] }\n');
  expect(securityOpts(["no-new-privileges", "seccomp=unconfined", `seccomp=${file}`, "label:disable"])).toEqual([
    "no-new-privileges",
    "seccomp=unconfined",
    'seccomp={"defaultAction":"SCMP_ACT_ERRNO","names":["a b","c\\"d"]}',
    "label:disable",
  ]);
  expect(refusal(() => securityOpts(["foo"])).message).toBe('Invalid --security-opt: "foo"');
  expect(refusal(() => securityOpts(["seccomp="])).message).toBe('Invalid --security-opt: "seccomp="');
  expect(refusal(() => securityOpts([`seccomp=${dir}/none.json`])).message).toBe(`opening seccomp profile (${dir}/none.json) failed: open ${dir}/none.json: no such file or directory`);
});

test("compactJson drops whitespace outside strings only, as Go's json.Compact (property, seeded)", () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 1, 4, "\t", " \r\n"), (value, indent) => {
      expect(compactJson(JSON.stringify(value, null, indent))).toBe(JSON.stringify(value));
    }),
    { seed: 11, numRuns: 300 },
  );
});
