// Renders rows with docker's --format rules: "table …" (a header, tab-aligned), "json" (one JSON
// object per line), or any other template (one line per row, no header).
import { compileTemplate } from "./template.ts";
import { asFormatterRow } from "./template-funcs.ts";
import { tabwrite } from "./tabwriter.ts";

export function renderRows<T extends object>(rows: T[], format: string, headers: Record<string, string>): string {
  if (format === "json") format = "{{json .}}";
  const isTable = format.startsWith("table");
  const body = isTable ? format.slice(5).trimStart() || "" : format;
  const tpl = compileTemplate(body);
  const lines = rows.map((r) => tpl.execute(asFormatterRow(r)) + "\n");
  if (!isTable) return lines.join("");
  return tabwrite(tpl.execute(headers) + "\n" + lines.join(""));
}

/** docker's Label(key) method of a row (container, network, volume): a label's value, "" for none.
 *  Not enumerable, so that {{json .}} and the fields a template error lists stay the row's fields. */
export function withLabel<T extends object>(row: T, labels: Record<string, string> | null | undefined): T {
  return Object.defineProperty(row, "Label", { value: (key: string) => labels?.[key] ?? "", enumerable: false });
}

/** The headers' side of withLabel: {{.Label "com.example.my-ver"}}'s header is the key's last part,
 *  "-" and "_" as spaces ("my ver"), as docker's formatter makes it. */
export function withLabelHeader<T extends object>(headers: T): T {
  return Object.defineProperty(headers, "Label", { value: (key: string) => key.split(".").at(-1)!.replace(/[-_]/g, " "), enumerable: false });
}

/**
 * A Go struct's fields for template data: docker's CLI runs --format on its Go types, where every
 * field exists (its zero value when the JSON leaves it out) and answers to its Go name (APIVersion
 * where the JSON says ApiVersion). `fields`: each field with its Go zero value ("", false, 0; null
 * for nil slices, maps and pointers); `nested`: the shapes of struct fields (and of a list's
 * elements); `aliases`: Go name → JSON name.
 */
export interface GoShape {
  fields: Record<string, unknown>;
  nested?: Record<string, GoShape>;
  aliases?: Record<string, string>;
}

/**
 * Adds to `value` (in place) the fields of `shape` it lacks, and the Go names of its fields, as
 * properties that are not enumerable: templates see them ({{.Config.StopSignal}} is "" as in docker
 * instead of <no value>), while {{json .}} and the default output show what the daemon sent.
 */
export function goShaped<T>(value: T, shape: GoShape): T {
  if (Array.isArray(value)) {
    for (const v of value) goShaped(v, shape);
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  const o = value as Record<string, unknown>;
  for (const [k, zero] of Object.entries(shape.fields)) {
    if (k in o) continue;
    const nested = shape.nested?.[k];
    Object.defineProperty(o, k, { value: nested && zero !== null ? goShaped(structuredClone(zero), nested) : structuredClone(zero), enumerable: false, writable: true, configurable: true });
  }
  for (const [goName, jsonName] of Object.entries(shape.aliases ?? {})) {
    if (!(goName in o)) Object.defineProperty(o, goName, { get: () => o[jsonName], enumerable: false, configurable: true });
  }
  for (const [k, inner] of Object.entries(shape.nested ?? {})) if (Object.prototype.propertyIsEnumerable.call(o, k)) goShaped(o[k], inner);
  return value;
}

/** docker's container.Config (image inspect's Config and ContainerConfig), every field. */
const CONTAINER_CONFIG: GoShape = {
  fields: {
    Hostname: "", Domainname: "", User: "", AttachStdin: false, AttachStdout: false, AttachStderr: false, ExposedPorts: null, Tty: false, OpenStdin: false, StdinOnce: false,
    Env: null, Cmd: null, Healthcheck: null, ArgsEscaped: false, Image: "", Volumes: null, WorkingDir: "", Entrypoint: null, NetworkDisabled: false, MacAddress: "",
    OnBuild: null, Labels: null, StopSignal: "", StopTimeout: null, Shell: null,
  },
};

/** docker's ImageInspect (API 1.41, with the fields docker 28 added). */
export const IMAGE_INSPECT: GoShape = {
  fields: {
    Id: "", RepoTags: null, RepoDigests: null, Parent: "", Comment: "", Created: "", Container: "", ContainerConfig: null, DockerVersion: "", Author: "", Config: null,
    Architecture: "", Variant: "", Os: "", OsVersion: "", Size: 0, VirtualSize: 0, GraphDriver: { Data: null, Name: "" }, RootFS: { Type: "", Layers: null, BaseLayer: "" },
    Metadata: { LastTagTime: "" }, Descriptor: null, Manifests: null,
  },
  nested: {
    Config: CONTAINER_CONFIG,
    ContainerConfig: CONTAINER_CONFIG,
    GraphDriver: { fields: { Data: null, Name: "" } },
    RootFS: { fields: { Type: "", Layers: null, BaseLayer: "" } },
    Metadata: { fields: { LastTagTime: "" } },
  },
  aliases: { ID: "Id" },
};

/** `docker version`'s data: the CLI's clientVersion and the daemon's types.Version. */
export const VERSION_INFO: GoShape = {
  fields: { Client: null, Server: null },
  nested: {
    Client: {
      fields: { Platform: { Name: "" }, Version: "", ApiVersion: "", DefaultAPIVersion: "", GitCommit: "", GoVersion: "", Os: "", Arch: "", BuildTime: "", Context: "", Experimental: false },
      nested: { Platform: { fields: { Name: "" } } },
      aliases: { APIVersion: "ApiVersion" },
    },
    Server: {
      fields: { Platform: { Name: "" }, Components: null, Version: "", ApiVersion: "", MinAPIVersion: "", GitCommit: "", GoVersion: "", Os: "", Arch: "", KernelVersion: "", Experimental: false, BuildTime: "" },
      nested: { Platform: { fields: { Name: "" } }, Components: { fields: { Name: "", Version: "", Details: null } } },
      aliases: { APIVersion: "ApiVersion" },
    },
  },
};
