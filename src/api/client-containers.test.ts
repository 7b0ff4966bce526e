// The container client against the fake daemon: each method's request (method, path, query, body)
// and what comes back, streams included.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { SkiffError } from "../common/errors.ts";
import { ApiClient } from "./client.ts";
import { ContainerClient, filtersParam, type ContainerCreateBody, type ExecCreateBody } from "./client-containers.ts";
import { FrameDecoder } from "./hijack-client.ts";
import { FakeDaemon } from "./testing/fake-daemon.ts";

const dir = `/tmp/skiff-test-${process.pid}/client-containers`;
let daemon: FakeDaemon;
let client: ContainerClient;

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  daemon = await new FakeDaemon(`${dir}/d.sock`).start();
  daemon.store.addImage("busybox", { Cmd: ["echo", "hi"] });
  client = new ContainerClient(new ApiClient(daemon.socketPath));
});
afterAll(async () => {
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The smallest body the fake takes: what matters here is the request, not every field. */
const body = (over: Partial<ContainerCreateBody> = {}) => ({ Image: "busybox", Cmd: null, Entrypoint: null, Tty: false, OpenStdin: false, StdinOnce: false, Labels: {}, HostConfig: { AutoRemove: false, ConsoleSize: [0, 0] }, ...over }) as unknown as ContainerCreateBody;

const last = () => daemon.requests.at(-1)!;

async function collect(it: AsyncIterable<Uint8Array>, framed: boolean): Promise<string[]> {
  const out: string[] = [];
  const d = new FrameDecoder();
  for await (const c of it) for (const f of framed ? d.push(c) : [{ stream: 1, data: c }]) out.push(`${f.stream}:${Buffer.from(f.data).toString()}`);
  return out;
}

test("create, then the lifecycle verbs: each request as docker's CLI sends it", async () => {
  const { Id } = await client.create(body({ Cmd: ["sleep"] }), { name: "one" });
  expect(last()).toMatchObject({ method: "POST", path: "/containers/create", query: { name: "one" }, body: { Image: "busybox", Cmd: ["sleep"] } });
  await client.start("one");
  expect(last()).toMatchObject({ method: "POST", path: "/containers/one/start", query: {} });
  await client.pause("one");
  await client.unpause("one");
  await client.kill("one", "USR1");
  expect(last()).toMatchObject({ method: "POST", path: "/containers/one/kill", query: { signal: "USR1" } });
  expect((await client.inspect("one")).State.Status).toBe("exited");
  await client.restart("one", { t: 0 });
  expect(last()).toMatchObject({ method: "POST", path: "/containers/one/restart", query: { t: "0" } });
  await client.stop(Id, { t: 1 });
  expect(last()).toMatchObject({ path: `/containers/${Id}/stop`, query: { t: "1" } });
  await client.rename("one", "two");
  expect(last()).toMatchObject({ path: "/containers/one/rename", query: { name: "two" } });
  await client.remove("two", { force: true, v: true });
  expect(last()).toMatchObject({ method: "DELETE", path: "/containers/two", query: { force: "1", v: "1" } });
});

test("the daemon's refusals come back with their status and words", async () => {
  const e = (await client.start("nope").catch((x) => x)) as SkiffError;
  expect([e.message, e.details.status, e.kind]).toEqual(["No such container: nope", 404, "not_found"]);
  await client.create(body({ Cmd: ["sleep"] }), { name: "busy" });
  const taken = (await client.create(body(), { name: "busy" }).catch((x) => x)) as SkiffError;
  expect([taken.details.status, taken.kind]).toEqual([409, "conflict"]);
  await client.remove("busy", { force: true });
});

test("list sends all, limit, size and docker's map form of filters", async () => {
  await client.list({ all: true, limit: 3, size: true, filters: { status: ["exited"], label: ["a=b"] } });
  expect(last()).toMatchObject({ path: "/containers/json", query: { all: "1", limit: "3", size: "1", filters: '{"label":{"a=b":true},"status":{"exited":true}}' } });
  await client.list({ limit: -1 });
  expect(last().query).toEqual({});
  expect(filtersParam({})).toBeUndefined();
});

test("wait answers once registered: a container started after it cannot be missed", async () => {
  const { Id } = await client.create(body({ Cmd: ["script", "exit:7"] }));
  const w = await client.wait(Id, "next-exit");
  expect(last()).toMatchObject({ path: `/containers/${Id}/wait`, query: { condition: "next-exit" } });
  await client.start(Id);
  expect(await w.result).toEqual({ StatusCode: 7, Error: null });
  // not-running: at once for a stopped one
  expect((await (await client.wait(Id)).result).StatusCode).toBe(7);
});

test("attach before start: framed stdout and stderr, stdin with half-close", async () => {
  const { Id } = await client.create(body({ Cmd: ["cat"], OpenStdin: true, StdinOnce: true }));
  const s = await client.attach(Id, { stdin: true, stdout: true, stderr: true });
  expect(last()).toMatchObject({ path: `/containers/${Id}/attach`, query: { stream: "1", stdin: "1", stdout: "1", stderr: "1" }, upgrade: true });
  await s.write("typed\n");
  s.closeWrite();
  await client.start(Id);
  expect(await collect(s.output, true)).toEqual(["1:typed\n"]);
});

test("logs: framed without a tty, the query docker's CLI sends", async () => {
  const { Id } = await client.create(body({ Cmd: ["script", "out:a", "err:b", "out:c"] }));
  const w = await client.wait(Id, "next-exit");
  await client.start(Id);
  await w.result;
  expect(await collect(await client.logs(Id, { tail: "all" }), true)).toEqual(["1:a\n", "2:b\n", "1:c\n"]);
  expect(last()).toMatchObject({ path: `/containers/${Id}/logs`, query: { stdout: "1", stderr: "1", tail: "all" } });
  expect(await collect(await client.logs(Id, { tail: "1" }), true)).toEqual(["1:c\n"]);
});

test("exec: create, attached start with its JSON body, inspect; detached start; resize", async () => {
  const { Id } = await client.create(body({ Cmd: ["sleep"] }));
  await client.start(Id);
  const exec: ExecCreateBody = { User: "", Privileged: false, Tty: false, AttachStdin: false, AttachStderr: true, AttachStdout: true, Detach: false, DetachKeys: "", Env: null, WorkingDir: "", Cmd: ["script", "out:x", "err:y", "exit:4"] };
  const { Id: e } = await client.execCreate(Id, exec);
  expect(last()).toMatchObject({ method: "POST", path: `/containers/${Id}/exec`, body: exec });
  const s = await client.execAttach(e, false);
  expect(last()).toMatchObject({ path: `/exec/${e}/start`, body: { Detach: false, Tty: false }, upgrade: true });
  expect(await collect(s.output, true)).toEqual(["1:x\n", "2:y\n"]);
  expect(await client.execInspect(e)).toMatchObject({ ID: e, Running: false, ExitCode: 4, ContainerID: Id });
  const { Id: d } = await client.execCreate(Id, { ...exec, Tty: true, Cmd: ["sleep"], AttachStdout: false, AttachStderr: false, Detach: true });
  await client.execStartDetached(d, true);
  expect(last()).toMatchObject({ path: `/exec/${d}/start`, body: { Detach: true, Tty: true } });
  await client.execResize(d, 30, 100);
  expect(last()).toMatchObject({ path: `/exec/${d}/resize`, query: { h: "30", w: "100" } });
  await client.remove(Id, { force: true });
});
