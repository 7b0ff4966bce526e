// The image configuration (OCI image config, which Docker's container image v1 JSON is a superset
// of): the layers' diffIDs, history, and the defaults a container of the image starts with.
// Docker's PascalCase field names are kept so the engine's inspect output can reuse them.
import { describeJsonProblem, parseJsonText } from "../../common/json-text.ts";
import { invalid } from "../../common/errors.ts";
import { Checker } from "../check.ts";
import { checkDigest, type Digest } from "./digest.ts";
import type { ImageManifest } from "./manifest.ts";

export interface ContainerDefaults {
  User?: string;
  ExposedPorts: string[];
  Env: string[];
  /** Undefined when the image does not set one (distinct from an explicit empty list). */
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes: string[];
  WorkingDir?: string;
  Labels: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
}

export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  author?: string;
  comment?: string;
  emptyLayer: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config: ContainerDefaults;
  rootfs: { type: "layers"; diffIds: Digest[] };
  history: HistoryEntry[];
}

const CODE = "IMAGE_CONFIG_INVALID";

/** What an image config may weigh (a long history runs to a few MiB; the registry client's limit too). */
export const MAX_CONFIG_BYTES = 64 << 20;

export function parseImageConfig(bytes: Uint8Array | string, where = "image config"): ImageConfig {
  const parsed = parseJsonText(bytes, { maxBytes: MAX_CONFIG_BYTES, maxDepth: 32 });
  if (!parsed.ok) throw invalid("image", CODE, `parse ${where}: ${describeJsonProblem(parsed.problem)}`, "the registry or archive served something other than an image config");
  const raw = parsed.value;
  const c = new Checker("image", CODE, where);
  const o = c.obj(raw, where);
  const rootfs = c.obj(o.rootfs, "rootfs");
  if (rootfs.type !== "layers") c.fail("rootfs.type", '"layers"', rootfs.type);
  const diffIds = c.arr(rootfs.diff_ids, "rootfs.diff_ids", (x, p) => {
    const s = c.str(x, p);
    try {
      return checkDigest(s);
    } catch {
      return c.fail(p, "a digest like sha256:<64 hex>", s);
    }
  });
  const cfg = c.optObj(o.config, "config") ?? {};
  const hc = c.optObj(cfg.Healthcheck, "config.Healthcheck");
  const optList = (v: unknown, p: string) => (v === undefined || v === null ? undefined : c.strs(v, p));
  const keys = (v: unknown, p: string) => Object.keys(c.optObj(v, p) ?? {});
  return {
    architecture: c.str(o.architecture, "architecture"),
    os: c.str(o.os, "os"),
    variant: c.optStr(o.variant, "variant") || undefined,
    created: c.optStr(o.created, "created"),
    author: c.optStr(o.author, "author"),
    config: {
      User: c.optStr(cfg.User, "config.User") || undefined,
      ExposedPorts: keys(cfg.ExposedPorts, "config.ExposedPorts"),
      Env: c.strs(cfg.Env, "config.Env"),
      Entrypoint: optList(cfg.Entrypoint, "config.Entrypoint"),
      Cmd: optList(cfg.Cmd, "config.Cmd"),
      Volumes: keys(cfg.Volumes, "config.Volumes"),
      WorkingDir: c.optStr(cfg.WorkingDir, "config.WorkingDir") || undefined,
      Labels: c.strMap(cfg.Labels, "config.Labels"),
      StopSignal: c.optStr(cfg.StopSignal, "config.StopSignal") || undefined,
      ArgsEscaped: c.bool(cfg.ArgsEscaped, "config.ArgsEscaped"),
      Healthcheck: hc && {
        Test: c.strs(hc.Test, "config.Healthcheck.Test"),
        Interval: c.optInt(hc.Interval, "config.Healthcheck.Interval", 0),
        Timeout: c.optInt(hc.Timeout, "config.Healthcheck.Timeout", 0),
        StartPeriod: c.optInt(hc.StartPeriod, "config.Healthcheck.StartPeriod", 0),
        Retries: c.optInt(hc.Retries, "config.Healthcheck.Retries", 0),
      },
    },
    rootfs: { type: "layers", diffIds },
    history: c.arr(o.history, "history", (x, p) => {
      const h = c.obj(x, p);
      return {
        created: c.optStr(h.created, `${p}.created`),
        createdBy: c.optStr(h.created_by, `${p}.created_by`),
        author: c.optStr(h.author, `${p}.author`),
        comment: c.optStr(h.comment, `${p}.comment`),
        emptyLayer: c.bool(h.empty_layer, `${p}.empty_layer`) ?? false,
      };
    }),
  };
}

/** A manifest and its config must agree on the number of layers, else diffIDs cannot be checked. */
export function checkLayersMatchConfig(manifest: ImageManifest, config: ImageConfig, name = "image"): void {
  if (manifest.layers.length !== config.rootfs.diffIds.length) {
    throw invalid("image", "IMAGE_CONFIG_MISMATCH", `read ${name}: manifest lists ${manifest.layers.length} layers but its config has ${config.rootfs.diffIds.length} diff_ids`, "the image is malformed; rebuild it");
  }
}
