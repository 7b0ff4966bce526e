import { expect, test } from "bun:test";
import { SchemaFailure } from "../schema.ts";
import { containerCreateBody } from "./container-create.ts";

/** What docker 28's CLI sends (negotiated down to API 1.41) for a run with most flags set: recorded from a socket. */
const DOCKER_28_RUN = {"Hostname":"hh","Domainname":"","User":"1000:1000","AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"Tty":true,"OpenStdin":true,"StdinOnce":true,"Env":["A=1"],"Cmd":["-c","echo hi"],"Image":"busybox","Volumes":{},"WorkingDir":"/tmp","Entrypoint":["/bin/sh"],"OnBuild":null,"Labels":{"a":"b"},"StopSignal":"SIGINT","StopTimeout":5,"HostConfig":{"Binds":["/tmp:/data:ro"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":["CAP_SYS_ADMIN"],"CapDrop":["CAP_NET_RAW"],"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":true,"SecurityOpt":["no-new-privileges"],"Tmpfs":{"/run":"size=10m"},"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":512,"Memory":67108864,"NanoCpus":1500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"0","CpusetMems":"","Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rw"}],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":50,"Ulimits":[{"Name":"nofile","Hard":200,"Soft":100}],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null,"Init":true},"NetworkingConfig":{"EndpointsConfig":{}}};

const failureOf = (v: unknown): SchemaFailure => {
  try {
    containerCreateBody.check(v, "");
  } catch (e) {
    if (e instanceof SchemaFailure) return e;
    throw e;
  }
  throw new Error("expected a refusal");
};

test("docker 28's body passes, typed", () => {
  const b = containerCreateBody.check(DOCKER_28_RUN, "");
  expect(b.Entrypoint).toEqual(["/bin/sh"]);
  expect(b.HostConfig?.Ulimits).toEqual([{ Name: "nofile", Soft: 100, Hard: 200 }]);
  expect(b.HostConfig?.NanoCpus).toBe(1_500_000_000);
  expect(b.ExposedPorts).toBeUndefined();
});

test("Cmd and Entrypoint take one string too (older clients)", () => {
  expect(containerCreateBody.check({ Image: "x", Cmd: "echo hi" }, "").Cmd).toEqual(["echo hi"]);
});

test.each([
  [{ Image: 5 }, "Image", "a string", "5"],
  [{ Image: "x", Cmd: [1] }, "Cmd[0]", "a string", "1"],
  [{ Image: "x", HostConfig: { Memory: "64m" } }, "HostConfig.Memory", "an integer from 0 to 9007199254740991", '"64m"'],
  [{ Image: "x", HostConfig: { Ulimits: [{ Name: "nofile", Soft: 1 }] } }, "HostConfig.Ulimits[0].Hard", "an integer", "nothing"],
  [{ Image: "x", HostConfig: { OomScoreAdj: 5000 } }, "HostConfig.OomScoreAdj", "an integer from -1000 to 1000", "5000"],
  [{ Image: "x", Env: "A=1" }, "Env", "an array of a string", '"A=1"'],
  [{ Image: "x", HostConfig: [] }, "HostConfig", "an object", "an array"],
])("%j is refused at %s", (body, path, expected, got) => {
  const f = failureOf(body);
  expect([f.path, f.expected, f.got]).toEqual([path, expected, got]);
});
