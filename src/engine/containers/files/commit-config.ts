// The config a commit starts from, as dockerd builds it: the container's Config (the image's
// defaults with the container's own options over them), then the fields the request's config
// body sets (docker's merge: a field given replaces the container's), in docker's wire names.
// The changes (-c) are applied after this, by the image store. Pure.
import type { DockerConfigObject } from "../../images/index.ts";
import type { ContainerRecord } from "../record.ts";
import { configVolumePaths, exposedPorts } from "../container-config.ts";

/** The fields a commit keeps and a request may set. */
const FIELDS = ["User", "Env", "Cmd", "Entrypoint", "WorkingDir", "Labels", "ExposedPorts", "Volumes", "StopSignal", "Healthcheck", "OnBuild"] as const;

export function commitConfig(r: ContainerRecord, request: Record<string, unknown> = {}): { config: DockerConfigObject; createdBy: string } {
  const o = r.options;
  const img = r.imageConfig;
  const env = new Map<string, string>();
  for (const e of [...img.Env, ...(o.env ?? [])]) env.set(e.split("=")[0]!, e);
  const cmd = o.cmd ?? (o.entrypoint ? undefined : img.Cmd);
  const ports = exposedPorts(r);
  const volumes = configVolumePaths(r);
  const base: DockerConfigObject = {
    User: o.user ?? img.User ?? "",
    Env: [...env.values()],
    Cmd: cmd ?? null,
    Entrypoint: o.entrypoint?.length ? o.entrypoint : o.entrypoint ? null : (img.Entrypoint ?? null),
    WorkingDir: o.workingDir ?? img.WorkingDir ?? "",
    Labels: { ...img.Labels, ...o.labels },
    // (the container's: the image's with --expose, -p and -v PATH's, as dockerd commits them)
    ...(ports.length ? { ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])) } : {}),
    ...(volumes.length ? { Volumes: Object.fromEntries(volumes.map((v) => [v, {}])) } : {}),
    ...((o.stopSignal ?? img.StopSignal) ? { StopSignal: o.stopSignal ?? img.StopSignal } : {}),
    ...(img.Healthcheck ? { Healthcheck: img.Healthcheck } : {}),
  };
  for (const k of FIELDS) {
    const v = request[k];
    const empty = v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);
    if (!empty) (base as Record<string, unknown>)[k] = v;
  }
  return { config: base, createdBy: (cmd ?? []).join(" ") };
}
