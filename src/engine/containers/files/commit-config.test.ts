import { expect, test } from "bun:test";
import type { ContainerRecord } from "../record.ts";
import { commitConfig } from "./commit-config.ts";

const record = (options: Partial<ContainerRecord["options"]>, image: Partial<ContainerRecord["imageConfig"]> = {}) =>
  ({ options, imageConfig: { ExposedPorts: [], Env: ["PATH=/bin", "A=image"], Volumes: [], Labels: { a: "1" }, Cmd: ["sh"], ...image } }) as unknown as ContainerRecord;

test("the container's config: its options over the image's, created_by its command", () => {
  const { config, createdBy } = commitConfig(record({ cmd: ["sh", "-c", "touch /x"], env: ["A=run", "B=2"], labels: { b: "2" }, user: "1000" }));
  expect(config).toMatchObject({ Cmd: ["sh", "-c", "touch /x"], Env: ["PATH=/bin", "A=run", "B=2"], Labels: { a: "1", b: "2" }, User: "1000", Entrypoint: null, WorkingDir: "" });
  expect(createdBy).toBe("sh -c touch /x");
});

test("an --entrypoint drops the image's Cmd; --entrypoint '' resets it", () => {
  expect(commitConfig(record({ entrypoint: ["/bin/tool"] })).config).toMatchObject({ Entrypoint: ["/bin/tool"], Cmd: null });
  expect(commitConfig(record({ entrypoint: [] }, { Entrypoint: ["/x"] })).config.Entrypoint).toBeNull();
});

test("the request's fields replace the container's; empty ones do not", () => {
  const { config } = commitConfig(record({}), { Cmd: ["echo", "hi"], Env: [], User: "", Labels: { c: "3" } });
  expect(config).toMatchObject({ Cmd: ["echo", "hi"], Env: ["PATH=/bin", "A=image"], User: "", Labels: { c: "3" } });
});
