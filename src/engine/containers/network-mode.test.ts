import { expect, test } from "bun:test";
import { withJoinedIdentity } from "./network-mode.ts";
import type { ContainerRecord } from "./record.ts";

const ID = "b".repeat(64);
const holder = (domainname?: string) => ({ id: ID, hostname: "holderhost", options: { ...(domainname ? { domainname } : {}) } }) as unknown as ContainerRecord;

test("container:ID takes the joined container's hostname and domainname, as dockerd gives them", () => {
  const get = (id: string) => (id === ID ? holder("example.org") : undefined);
  expect(withJoinedIdentity({ network: `container:${ID}` }, get)).toEqual({ network: `container:${ID}`, hostname: "holderhost", domainname: "example.org" });
  // a domainname of its own is replaced by the joined one's, none included
  expect(withJoinedIdentity({ network: `container:${ID}`, domainname: "mine.org" }, () => holder())).toEqual({ network: `container:${ID}`, hostname: "holderhost" });
});

test("other modes keep their own hostname and domainname", () => {
  for (const network of [undefined, "bridge", "host", "none", "mynet"]) {
    const o = { network, hostname: "h", domainname: "d.org" };
    expect(withJoinedIdentity(o, () => holder("x.org"))).toBe(o);
  }
});
