import { expect, test } from "bun:test";
import { isDockerHub, registryHostOf } from "./registry-host.ts";

test("registryHostOf: the host, whatever the scheme and path; Hub's names are docker.io", () => {
  expect(registryHostOf("https://host:5000/v2/")).toBe("host:5000");
  expect(registryHostOf("http://Reg.Example:5000/v2/")).toBe("reg.example:5000");
  expect(registryHostOf("127.0.0.1:5000")).toBe("127.0.0.1:5000");
  expect(registryHostOf("[::1]:5000/x")).toBe("[::1]:5000");
  expect(registryHostOf("https://index.docker.io/v1/")).toBe("docker.io");
  expect(registryHostOf("registry-1.docker.io")).toBe("docker.io");
  expect(registryHostOf("index.docker.io")).toBe("docker.io");
  expect(registryHostOf("docker.io")).toBe("docker.io");
  expect(isDockerHub("https://index.docker.io/v1/")).toBe(true);
  expect(isDockerHub("docker.io.example")).toBe(false);
});
