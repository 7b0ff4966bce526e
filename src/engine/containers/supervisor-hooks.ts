// What the supervisor is given: its stores and runtimes, and the hooks through which the volume,
// network and health engines follow a container's runs (ContainerService wires them).
import type { ContainerEvents } from "./events.ts";
import type { ContainerImages } from "./images-port.ts";
import type { ContainerRecord } from "./record.ts";
import type { Runtimes } from "./runtimes.ts";
import type { ContainerStore } from "./store.ts";

export interface SupervisorOptions {
  store: ContainerStore;
  runtimes: Runtimes;
  images: ContainerImages;
  events: ContainerEvents;
  /** Removes a container (for --rm once it has exited). */
  remove(id: string): Promise<void>;
  /** A container's volumes: mounted before its process is made, released once it has exited. */
  volumes?: { mount(r: ContainerRecord): void; unmount(id: string): void };
  /** A container's networks: joined (container:NAME) before its runtime's create, attached between create and start, detached once it has exited. */
  networks?: NetworkHooks;
  /** Where the containers' state dirs are (exec root/containers). */
  stateParent: string;
  /** Told when a container's process starts (again), is found running after a daemon start, or ends. */
  health?: HealthHooks;
}

/** What the network engine does at a container's start and exit (ContainerService wires it). */
export interface NetworkHooks {
  /** Before the runtime's create: the namespace of a container it joins is named in its bundle. */
  prepare(r: ContainerRecord): void;
  /** Its init waits in its network namespace: CNI ADD; fills r.state.networks and r.state.ports. */
  up(r: ContainerRecord, initPid: number): Promise<void>;
  /** Its process has ended (or never started): CNI DEL; clears them. */
  down(r: ContainerRecord): Promise<void>;
}

/** What the health checks (health.ts) follow of a container's runs. */
export interface HealthHooks {
  started(r: ContainerRecord): void;
  resumed(r: ContainerRecord): void;
  stopped(id: string): void;
}
