// `docker ps` rows: docker 28's ContainerContext fields for --format ({{.ID}}, {{.Image}},
// {{.Command}}, {{.RunningFor}}, {{.Status}}, {{.Names}}, …), truncated unless --no-trunc, in the
// alphabetical key order {{json .}} prints them in.
import type { ContainerSummary } from "../../api/client-containers.ts";
import { humanDuration, humanSize } from "../../api/units.ts";
import { goTime } from "./image-rows.ts";
import { withLabel, withLabelHeader } from "./render.ts";

export interface ContainerRow {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Names: string;
  Networks: string;
  Platform: null;
  Ports: string;
  RunningFor: string;
  Size: string;
  State: string;
  Status: string;
}

export const CONTAINER_HEADERS: Record<keyof ContainerRow, string> = withLabelHeader({
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Labels: "LABELS",
  LocalVolumes: "LOCAL VOLUMES",
  Mounts: "MOUNTS",
  Names: "NAMES",
  Networks: "NETWORKS",
  Platform: "PLATFORM",
  Ports: "PORTS",
  RunningFor: "CREATED",
  Size: "SIZE",
  State: "STATE",
  Status: "STATUS",
});

export const DEFAULT_PS_FORMAT = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

/** docker's TruncateID: what follows "sha256:" (or any "x:"), at most 12 characters. */
export const truncateId = (id: string): string => id.slice(id.indexOf(":") + 1).slice(0, 12);

/** docker's formatter.Ellipsis for text of one column per character: at most `width`, the last one "…". */
export function ellipsis(s: string, width: number): string {
  const chars = [...s];
  if (width <= 0) return "";
  if (chars.length <= width) return s;
  return width === 1 ? chars[0]! : `${chars.slice(0, width - 1).join("")}…`;
}

/** Go's strconv.Quote: double quotes, Go's escapes, printable Unicode as itself. */
export function goQuote(s: string): string {
  const named: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"' };
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (named[ch]) out += named[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (/[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch)) out += code > 0xffff ? `\\U${code.toString(16).padStart(8, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The image as docker's ps shows it: by short ID when it was given by ID, else its familiar name without a digest. */
function imageName(c: ContainerSummary, trunc: boolean): string {
  if (!c.Image) return "<no image>";
  if (!trunc) return c.Image;
  if (truncateId(c.ImageID ?? "") === truncateId(c.Image)) return truncateId(c.Image);
  let name = c.Image;
  const at = name.indexOf("@");
  if (at >= 0) name = name.slice(0, at);
  return name.replace(/^docker\.io\/library\/(?=[^/]+$)/, "").replace(/^docker\.io\//, "");
}

/** docker's DisplayablePorts: ports published on the same host port grouped into ranges per
 *  address ("0.0.0.0:80-81->80-81/tcp", ":::80->80/tcp"), exposed ones per protocol ("443/tcp"),
 *  then the mappings to another host port ("[::]:8080->80/tcp"). */
export function ports(c: Pick<ContainerSummary, "Ports">): string {
  const list = [...(c.Ports ?? [])].sort((a, b) => a.PrivatePort - b.PrivatePort || ((a.IP ?? "") < (b.IP ?? "") ? -1 : (a.IP ?? "") > (b.IP ?? "") ? 1 : 0) || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || (a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0));
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  const form = (key: string, g: { first: number; last: number }) => {
    const slash = key.lastIndexOf("/");
    const [ip, type] = slash < 0 ? ["", key] : [key.slice(0, slash), key.slice(slash + 1)];
    const range = g.first === g.last ? `${g.first}` : `${g.first}-${g.last}`;
    return `${ip ? `${ip}:${range}->${range}` : range}/${type}`;
  };
  for (const p of list) {
    let key = p.Type;
    if (p.IP) {
      if (p.PublicPort !== p.PrivatePort) {
        mappings.push(`${p.IP.includes(":") ? `[${p.IP}]` : p.IP}:${p.PublicPort ?? 0}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
    else if (p.PrivatePort === g.last + 1) g.last = p.PrivatePort;
    else {
      result.push(form(key, g));
      // (a new group goes where the key was first seen, as Go's map of groups keeps its key order)
      groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
    }
  }
  for (const [key, g] of groups) result.push(form(key, g));
  return [...result, ...mappings].join(", ");
}

export function containerRows(list: ContainerSummary[], o: { trunc: boolean; now?: number }): ContainerRow[] {
  const now = o.now ?? Date.now();
  return list.map((c) => {
    const names = (c.Names ?? []).map((n) => n.replace(/^\//, ""));
    const mounts = (c.Mounts ?? []).map((m) => (o.trunc ? ellipsis(m.Name || m.Source || "", 15) : m.Name || m.Source || ""));
    const srw = humanSize(c.SizeRw ?? 0, 3);
    const row: ContainerRow = {
      Command: goQuote(o.trunc ? ellipsis(c.Command ?? "", 20) : (c.Command ?? "")),
      CreatedAt: goTime(c.Created),
      ID: o.trunc ? truncateId(c.Id) : c.Id,
      Image: imageName(c, o.trunc),
      Labels: Object.entries(c.Labels ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(","),
      LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === "local").length),
      Mounts: mounts.join(","),
      Names: o.trunc ? (names.find((n) => !n.includes("/")) ?? "") : names.join(","),
      Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(","),
      Platform: null,
      Ports: ports(c),
      RunningFor: `${humanDuration(now - c.Created * 1000)} ago`,
      Size: (c.SizeRootFs ?? 0) > 0 ? `${srw} (virtual ${humanSize(c.SizeRootFs!, 3)})` : srw,
      State: c.State,
      Status: c.Status,
    };
    // {{.Label "key"}}: the value of one label, "" when the container has none of that key
    return withLabel(row, c.Labels);
  });
}
