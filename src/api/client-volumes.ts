// The volume endpoints as a typed client (docker's Volume shapes): list, create, inspect, remove, prune.
import type { ApiClient } from "./client.ts";

export interface VolumeJson {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
}

export class VolumeClient {
  constructor(readonly api: ApiClient) {}

  async list(filters: Record<string, string[]> = {}): Promise<VolumeJson[]> {
    const res = await this.api.request("GET", "/volumes", { query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined } });
    return ((await res.json()) as { Volumes: VolumeJson[] | null }).Volumes ?? [];
  }

  async create(body: { Name?: string; Driver?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string> }): Promise<VolumeJson> {
    const res = await this.api.request("POST", "/volumes/create", { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    return (await res.json()) as VolumeJson;
  }

  async inspect(name: string): Promise<VolumeJson> {
    return (await (await this.api.request("GET", `/volumes/${encodeURIComponent(name)}`)).json()) as VolumeJson;
  }

  async remove(name: string, force: boolean): Promise<void> {
    await (await this.api.request("DELETE", `/volumes/${encodeURIComponent(name)}`, { query: { force } })).arrayBuffer();
  }

  async prune(filters: Record<string, string[]>): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    const res = await this.api.request("POST", "/volumes/prune", { query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined } });
    return (await res.json()) as { VolumesDeleted: string[] | null; SpaceReclaimed: number };
  }
}
