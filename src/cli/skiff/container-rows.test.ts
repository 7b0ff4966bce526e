import { expect, test } from "bun:test";
import type { ContainerSummary } from "../../api/client-containers.ts";
import { containerRows, ellipsis, goQuote, truncateId } from "./container-rows.ts";
import { renderRows, withLabel, withLabelHeader } from "./render.ts";
import { CONTAINER_HEADERS, ports } from "./container-rows.ts";
import { psFormat } from "./commands/ps.ts";

test("Go's strconv.Quote", () => {
  expect(goQuote('echo "hi" \\ done')).toBe('"echo \\"hi\\" \\\\ done"');
  expect(goQuote("a\nb\tc\x07\x7f\x01")).toBe('"a\\nb\\tc\\a\\x7f\\x01"');
  expect(goQuote("héllo 世界")).toBe('"héllo 世界"');
  expect(goQuote("\u2028")).toBe('"\\u2028"');
});

test("ellipsis and truncated IDs as docker's formatter cuts them", () => {
  expect(ellipsis("script out:one err:two", 20)).toBe("script out:one err:…");
  expect(ellipsis("short", 20)).toBe("short");
  expect(ellipsis("abc", 1)).toBe("a");
  expect(truncateId("sha256:0123456789abcdef0123")).toBe("0123456789ab");
});

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
const summary = (over: Partial<ContainerSummary> = {}): ContainerSummary => ({
  Id: "d678815b8fcd80b1d67153f288459bed8b3d63239d95a7d7d59e01b7aec5407a", Names: ["/web", "/other/link"], Image: "docker.io/library/busybox:latest", ImageID: "sha256:aaa",
  Command: "sh -c 'echo a long command line'", Created: NOW / 1000 - 3600, Ports: [], Labels: { b: "2", a: "1" }, State: "running", Status: "Up About an hour",
  Mounts: [{ Source: "/var/lib/skiff/volumes/very-long-volume-name", Driver: "local" }], NetworkSettings: { Networks: { none: {} } }, ...over,
});

test("a row: docker's fields, truncated, and untruncated with --no-trunc", () => {
  const [row] = containerRows([summary({ SizeRw: 12, SizeRootFs: 4_261_234 })], { trunc: true, now: NOW });
  expect(row).toEqual({
    Command: '"sh -c \'echo a long …"', CreatedAt: "2024-01-01 11:00:00 +0000 UTC", ID: "d678815b8fcd", Image: "busybox:latest", Labels: "a=1,b=2", LocalVolumes: "1",
    Mounts: "/var/lib/skiff…", Names: "web", Networks: "none", Platform: null, Ports: "", RunningFor: "About an hour ago", Size: "12B (virtual 4.26MB)", State: "running", Status: "Up About an hour",
  });
  const [full] = containerRows([summary()], { trunc: false, now: NOW });
  expect([full!.ID.length, full!.Names, full!.Image, full!.Command]).toEqual([64, "web,other/link", "docker.io/library/busybox:latest", "\"sh -c 'echo a long command line'\""]);
  // an image given by ID shows as its short ID
  expect(containerRows([summary({ Image: "sha256:0123456789abcdef", ImageID: "sha256:0123456789abcdef" })], { trunc: true, now: NOW })[0]!.Image).toBe("0123456789ab");
});

test("the default table, -q, --format json and a template", () => {
  const rows = containerRows([summary()], { trunc: true, now: NOW });
  expect(renderRows(rows, psFormat("", false, false), CONTAINER_HEADERS)).toBe(
    "CONTAINER ID   IMAGE            COMMAND                  CREATED             STATUS             PORTS     NAMES\n" +
      "d678815b8fcd   busybox:latest   \"sh -c 'echo a long …\"   About an hour ago   Up About an hour             web\n",
  );
  expect(renderRows(rows, psFormat("{{.Names}}", true, false), CONTAINER_HEADERS)).toBe("d678815b8fcd\n");
  expect(JSON.parse(renderRows(rows, psFormat("json", false, false), CONTAINER_HEADERS))).toMatchObject({ ID: "d678815b8fcd", Names: "web", Platform: null });
  expect(Object.keys(JSON.parse(renderRows(rows, "json", CONTAINER_HEADERS)))).toEqual(Object.keys(CONTAINER_HEADERS));
  expect(renderRows(rows, psFormat("table {{.Names}}\t{{.State}}", false, false), CONTAINER_HEADERS)).toBe("NAMES     STATE\nweb       running\n");
});

test("ports as docker's DisplayablePorts: same-port ranges grouped per address, exposed ones per protocol, other host ports last", () => {
  const p = (IP: string | undefined, PrivatePort: number, PublicPort: number | undefined, Type = "tcp") => ({ ...(IP ? { IP } : {}), PrivatePort, ...(PublicPort ? { PublicPort } : {}), Type });
  expect(ports({ Ports: [p("0.0.0.0", 8080, 8080), p("0.0.0.0", 8081, 8081), p("::", 8080, 8080), p(undefined, 443, undefined), p(undefined, 53, undefined, "udp"), p("0.0.0.0", 80, 32768), p("::", 80, 32768)] })).toBe(
    "53/udp, 443/tcp, 0.0.0.0:8080-8081->8080-8081/tcp, :::8080->8080/tcp, 0.0.0.0:32768->80/tcp, [::]:32768->80/tcp",
  );
  expect(ports({ Ports: [p(undefined, 80, undefined), p(undefined, 81, undefined), p(undefined, 90, undefined)] })).toBe("80-81/tcp, 90/tcp");
  expect(ports({ Ports: [] })).toBe("");
});

test("{{.Label \"key\"}}: a label's value (\"\" for none), its table header the key's last part as docker's; a method called with the wrong arguments is docker's error", () => {
  const rows = containerRows([summary({ Labels: { a: "b", "com.example.my-ver": "7" } })], { trunc: true, now: NOW });
  expect(renderRows(rows, '{{.Names}} {{.Label "a"}} [{{.Label "nope"}}]', CONTAINER_HEADERS)).toBe("web b []\n");
  expect(renderRows(rows, 'table {{.Names}}\t{{.Label "a"}}\t{{.Label "com.example.my-ver"}}', CONTAINER_HEADERS)).toBe("NAMES     a         my ver\nweb       b         7\n");
  expect(renderRows(rows, '{{"a" | .Label}}', CONTAINER_HEADERS)).toBe("b\n");
  expect(() => renderRows(rows, "{{.Label}}", CONTAINER_HEADERS)).toThrow("wrong number of args for Label: want 1 got 0");
  expect(() => renderRows(rows, '{{.Names "x"}}', CONTAINER_HEADERS)).toThrow("wrong number of args for Names: want 0 got 1");
  expect(Object.keys(JSON.parse(renderRows(rows, "json", CONTAINER_HEADERS)))).not.toContain("Label");
});

test("withLabel and withLabelHeader give any row docker's Label method (networks and volumes have it too)", () => {
  const row = withLabel({ Name: "n1" }, { "com.docker.compose.project": "demo" });
  const headers = withLabelHeader({ Name: "NAME" });
  expect(renderRows([row], 'table {{.Name}}\t{{.Label "com.docker.compose.project"}}', headers)).toBe("NAME      project\nn1        demo\n");
  expect(renderRows([withLabel({ Name: "n2" }, null)], '{{.Name}}:{{.Label "x"}}', headers)).toBe("n2:\n");
});
