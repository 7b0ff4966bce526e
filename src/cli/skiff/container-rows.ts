// `docker ps` rows: docker 28's ContainerContext fields for --format ({{.ID}}, {{.Image}},
// {{.Command}}, {{.RunningFor}}, {{.Status}}, {{.Names}}, …), truncated unless --no-trunc, in the
// alphabetical key order {{json .}} prints them in.
import type { ContainerSummary } from "../../api/client-containers.ts";
import { humanDuration, humanSize } from "../../api/units.ts";
import { goTime } from "./image-rows.ts";

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

export const CONTAINER_HEADERS: Record<keyof ContainerRow, string> = {
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
};

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

/** docker's DisplayablePorts, for what skiffd reports (no publishing yet: exposed ports only). */
function ports(c: ContainerSummary): string {
  const sorted = [...(c.Ports ?? [])].sort((a, b) => a.PrivatePort - b.PrivatePort || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || a.Type.localeCompare(b.Type));
  return sorted.map((p) => (p.IP && p.PublicPort ? `${p.IP.includes(":") ? `[${p.IP}]` : p.IP}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(", ");
}

export function containerRows(list: ContainerSummary[], o: { trunc: boolean; now?: number }): ContainerRow[] {
  const now = o.now ?? Date.now();
  return list.map((c) => {
    const names = (c.Names ?? []).map((n) => n.replace(/^\//, ""));
    const mounts = (c.Mounts ?? []).map((m) => (o.trunc ? ellipsis(m.Name || m.Source || "", 15) : m.Name || m.Source || ""));
    const srw = humanSize(c.SizeRw ?? 0, 3);
    return {
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
  });
}
