// A container as the engine keeps it: what it was created with, where its files are, and its
// state. The engine's own shape (the API maps it to docker's wire types per version).
import type { ContainerDefaults } from "../../oci/image/image-config.ts";
import type { ContainerHealth } from "./health-state.ts";
import type { ContainerOptions } from "./spec/options.ts";
import type { EndpointState, PortMapping } from "../networks/index.ts";

/** docker's container states. */
export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

export interface ContainerRunState {
  status: ContainerStatus;
  /** The init's host pid while it runs, else 0. */
  pid: number;
  exitCode: number;
  /** Why the last start failed, or why the container is dead. */
  error: string;
  oomKilled: boolean;
  /** RFC 3339 with nanoseconds; "0001-01-01T00:00:00Z" (Go's zero time) until it happens. */
  startedAt: string;
  finishedAt: string;
  /** The user stopped or killed it since its last start (holds back restart policies). */
  manuallyStopped?: boolean;
  /** The user sent it a signal other than its configured stop signal (--stop-signal or the image's
   *  STOPSIGNAL) since its last start: the policy still restarts it, but unless-stopped counts it
   *  as stopped (dockerd's HasBeenManuallyStopped without its restart manager's cancel). */
  killedByUser?: boolean;
  /** With a health check: its status and last results (kept across stops, reset at a start). */
  health?: ContainerHealth;
  /** While it runs: its endpoint on each network, by network id (CNI ADD's result). */
  networks?: Record<string, EndpointState>;
  /** While it runs: its published ports as set up (host ports chosen). */
  ports?: PortMapping[];
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

export interface ContainerFiles {
  /** The runtime bundle: config.json and the rootfs mountpoint (under the exec root). */
  bundle: string;
  /** The monitor's socket, exit file, console socket and error log live here (the exec root). */
  stateDir: string;
  /** docker's json-file log (under the data root). */
  logPath: string;
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
}

export interface ContainerRecord {
  /** 64 hex digits. */
  id: string;
  /** Without docker's leading "/". */
  name: string;
  /** The image as the user named it ("busybox", "sha256:…"). */
  image: string;
  imageId: string;
  created: string;
  /** The image's config at create time (docker copies it into the container's Config). */
  imageConfig: ContainerDefaults;
  options: ContainerOptions;
  /** The process as resolved: args[0] and the rest (inspect's Path and Args). */
  path: string;
  args: string[];
  /** The hostname the container got (its spec's). */
  hostname: string;
  /** "skiff" (in-process) or a runc-compatible binary's name. */
  runtime: string;
  files: ContainerFiles;
  state: ContainerRunState;
  restartCount: number;
}

export function newRunState(): ContainerRunState {
  return { status: "created", pid: 0, exitCode: 0, error: "", oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME };
}

/** A running or paused container has a process; so does one being restarted. */
export const isActive = (s: ContainerRunState): boolean => s.status === "running" || s.status === "paused" || s.status === "restarting";
