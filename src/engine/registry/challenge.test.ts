import { describe, expect, test } from "bun:test";
import { challengeScopes, parseChallenges } from "./challenge.ts";

describe("parseChallenges", () => {
  const cases: [string, string | null, ReturnType<typeof parseChallenges>][] = [
    ["none", null, []],
    ["basic", 'Basic realm="basic-realm"', [{ scheme: "basic", params: { realm: "basic-realm" } }]],
    [
      "docker hub bearer",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      [{ scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" } }],
    ],
    [
      "insufficient scope with commas inside quotes",
      'Bearer realm="http://127.0.0.1:1/token", service="svc", scope="repository:a/b:pull,push", error="insufficient_scope"',
      [{ scheme: "bearer", params: { realm: "http://127.0.0.1:1/token", service: "svc", scope: "repository:a/b:pull,push", error: "insufficient_scope" } }],
    ],
    [
      "two challenges in one header (as fetch joins repeated headers)",
      'Basic realm="r1", Bearer realm="https://t/token",service=svc',
      [
        { scheme: "basic", params: { realm: "r1" } },
        { scheme: "bearer", params: { realm: "https://t/token", service: "svc" } },
      ],
    ],
    ["case-insensitive names, escaped quotes", 'BEARER Realm="a\\"b"', [{ scheme: "bearer", params: { realm: 'a"b' } }]],
    ["scheme without parameters", "Negotiate", [{ scheme: "negotiate", params: {} }]],
  ];
  for (const [name, header, want] of cases) test(name, () => expect(parseChallenges(header)).toEqual(want));

  test("scopes split at spaces", () => {
    expect(challengeScopes({ scheme: "bearer", params: { scope: "repository:a:pull repository:b:pull,push" } })).toEqual(["repository:a:pull", "repository:b:pull,push"]);
  });
});
