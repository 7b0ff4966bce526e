import { describe, expect, test } from "bun:test";
import { Authorizer, basicAuthorization, chooseScheme, parseTokenResponse, repositoryScope, tokenRequest } from "./auth.ts";
import { parseChallenges } from "./challenge.ts";

const creds = { username: "ann", password: "pa:ss" };

describe("chooseScheme", () => {
  const cases: [string, string | null, typeof creds | undefined, ReturnType<typeof chooseScheme>][] = [
    ["no challenge: anonymous", null, creds, { kind: "anonymous" }],
    ["basic with credentials", 'Basic realm="r"', creds, { kind: "basic" }],
    ["basic without credentials: anonymous (the 401 then says to log in)", 'Basic realm="r"', undefined, { kind: "anonymous" }],
    ["bearer even without credentials (anonymous tokens)", 'Bearer realm="https://a/token",service="s"', undefined, { kind: "bearer", realm: "https://a/token", service: "s" }],
    ["bearer before basic", 'Basic realm="r", Bearer realm="https://a/token"', creds, { kind: "bearer", realm: "https://a/token" }],
    ["bearer without realm is unusable", 'Bearer service="s"', undefined, { kind: "anonymous" }],
  ];
  for (const [name, header, c, want] of cases) test(name, () => expect(chooseScheme(parseChallenges(header), c)).toEqual(want));
});

describe("authorization headers", () => {
  test("basic encodes user:password, splitting nothing", () => {
    expect(basicAuthorization(creds)).toBe(`Basic ${Buffer.from("ann:pa:ss").toString("base64")}`);
    expect(basicAuthorization(undefined)).toBeUndefined();
    expect(basicAuthorization({ identityToken: "x" })).toBeUndefined();
  });

  test("token request: GET with service, repeated scopes, account and basic auth", () => {
    const r = tokenRequest({ realm: "https://auth.example/token?x=1", service: "reg" }, ["repository:a:pull", "repository:b:pull,push"], creds);
    const u = new URL(r.url);
    expect(u.searchParams.get("x")).toBe("1");
    expect(u.searchParams.get("service")).toBe("reg");
    expect(u.searchParams.getAll("scope")).toEqual(["repository:a:pull", "repository:b:pull,push"]);
    expect(u.searchParams.get("account")).toBe("ann");
    expect(r.init.method).toBe("GET");
    expect((r.init.headers as Record<string, string>).authorization).toBe(basicAuthorization(creds)!);
    expect(r.url).not.toContain("pa:ss");
  });

  test("token request: anonymous GET has no authorization", () => {
    const r = tokenRequest({ realm: "https://auth.example/token" }, [repositoryScope("library/busybox")]);
    expect(r.init.headers).toEqual({});
    expect(r.init.redirect).toBe("manual");
    expect(new URL(r.url).searchParams.get("scope")).toBe("repository:library/busybox:pull");
  });

  test("token request: an identity token is a refresh_token grant POSTed as a form", () => {
    const r = tokenRequest({ realm: "https://auth.example/token", service: "reg" }, ["repository:a:pull"], { identityToken: "rt" });
    expect(r.init.method).toBe("POST");
    const form = new URLSearchParams(r.init.body as string);
    expect(Object.fromEntries(form)).toEqual({ grant_type: "refresh_token", refresh_token: "rt", client_id: "skiff", service: "reg", scope: "repository:a:pull" });
  });

  test("token answers: token or access_token; lifetime at least 60 s, renewed 5 s early", () => {
    expect(parseTokenResponse('{"token":"t","expires_in":300}', 1000)).toEqual({ token: "t", expiresAt: 1000 + 295_000 });
    expect(parseTokenResponse('{"access_token":"a","refresh_token":"r"}', 0)).toEqual({ token: "a", expiresAt: 55_000, refreshToken: "r" });
    expect(parseTokenResponse('{"token":"t","expires_in":5}', 0)!.expiresAt).toBe(55_000);
    expect(parseTokenResponse("{}", 0)).toBeUndefined();
    expect(parseTokenResponse("<html>", 0)).toBeUndefined();
  });
});

describe("Authorizer", () => {
  function setup() {
    let clock = 0;
    const sent: string[] = [];
    const a = new Authorizer({
      domain: "reg.example",
      credentials: creds,
      now: () => clock,
      send: async (url) => {
        sent.push(url);
        await Bun.sleep(5);
        return new Response(JSON.stringify({ token: `t${sent.length}`, expires_in: 120 }));
      },
    });
    a.setChallenges(parseChallenges('Bearer realm="https://auth.example/token",service="reg"'));
    return { a, sent, advance: (ms: number) => (clock += ms) };
  }

  test("caches a token per scope set and shares one request between concurrent callers", async () => {
    const { a, sent } = setup();
    const pull = [repositoryScope("x")];
    expect(await Promise.all([a.authorization(pull), a.authorization(pull)])).toEqual(["Bearer t1", "Bearer t1"]);
    expect(await a.authorization(pull)).toBe("Bearer t1");
    expect(await a.authorization([repositoryScope("x", true)])).toBe("Bearer t2");
    expect(sent.length).toBe(2);
  });

  test("asks again once the token has expired", async () => {
    const { a, sent, advance } = setup();
    await a.authorization(["repository:x:pull"]);
    advance(114_000);
    expect(await a.authorization(["repository:x:pull"])).toBe("Bearer t1");
    advance(2_000);
    expect(await a.authorization(["repository:x:pull"])).toBe("Bearer t2");
    expect(sent.length).toBe(2);
  });

  test("after a 401 drops the token once; a second 401 with nothing new is final", async () => {
    const { a } = setup();
    await a.authorization(["repository:x:pull"]);
    expect(a.unauthorized(["repository:x:pull"], [])).toBe(true);
    expect(a.unauthorized(["repository:x:pull"], [])).toBe(false);
  });

  test("a token realm that refuses the credentials is IMAGE_REGISTRY_UNAUTHORIZED without the password", async () => {
    const a = new Authorizer({ domain: "reg.example", credentials: creds, send: async () => new Response('{"details":"bad"}', { status: 401, statusText: "Unauthorized" }) });
    a.setChallenges(parseChallenges('Bearer realm="https://auth.example/token?secret=q"'));
    const e = await a.authorization(["repository:x:pull"]).then(() => undefined, (e) => e);
    expect(e.code).toBe("IMAGE_REGISTRY_UNAUTHORIZED");
    expect(e.details.status).toBe(401);
    expect(e.message).toContain("request token from https://auth.example/token for reg.example");
    expect(JSON.stringify([e.message, e.hint, e.details])).not.toMatch(/pa:ss|secret=q/);
  });
});
