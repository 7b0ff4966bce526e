import { expect, test } from "bun:test";
import { parseMount } from "./mount-flag.ts";

test("--mount fields as docker's CLI reads them: aliases, bare booleans, options maps, sizes, octal modes, quoted CSV", () => {
  expect(parseMount("src=v,dst=/d,ro,volume-nocopy,volume-opt=type=tmpfs,volume-opt=o=size=1m,volume-label=a=b")).toEqual({
    Type: "volume",
    Source: "v",
    Target: "/d",
    ReadOnly: true,
    VolumeOptions: { NoCopy: true, DriverConfig: { Options: { type: "tmpfs", o: "size=1m" } }, Labels: { a: "b" } },
  });
  expect(parseMount("type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1777")).toEqual({ Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } });
  expect(parseMount('type=bind,"source=/a,b",target=/x,readonly=false,bind-propagation=RSLAVE')).toEqual({ Type: "bind", Source: "/a,b", Target: "/x", ReadOnly: false, BindOptions: { Propagation: "rslave" } });
});

test("--mount refusals in docker's words", () => {
  const why = (v: string) => {
    try {
      parseMount(v);
    } catch (e) {
      return (e as Error).message;
    }
  };
  expect(why("type=volume")).toBe('invalid argument "type=volume" for "--mount" flag: target is required');
  expect(why("dst=/x,nope")).toBe(`invalid argument "dst=/x,nope" for "--mount" flag: invalid field 'nope' must be a key=value pair`);
  expect(why("dst=/x,colour=red")).toBe(`invalid argument "dst=/x,colour=red" for "--mount" flag: unexpected key 'colour' in 'colour=red'`);
  expect(why("type=bind,dst=/x,volume-nocopy")).toBe(`invalid argument "type=bind,dst=/x,volume-nocopy" for "--mount" flag: cannot mix 'volume-*' options with mount type 'bind'`);
  expect(why("dst=/x,tmpfs-mode=9")).toContain("invalid value for tmpfs-mode: 9");
  expect(why('dst=/x,"src=a')).toContain("parse error");
});
