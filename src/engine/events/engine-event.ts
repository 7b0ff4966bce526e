// One event of the engine, as the event log keeps it and the event store writes it.

export interface EngineEvent {
  /** "container", "image", "volume", "network", "daemon" … */
  type: string;
  action: string;
  /** The actor's id: a container's id, an image's id or reference, a volume's name. */
  id: string;
  /** name, image, labels and what the action adds (exitCode, signal, driver …). */
  attributes: Record<string, string>;
  /** "local" (docker's swarm events are "swarm"). */
  scope: string;
  /** Nanoseconds since the epoch, strictly increasing within a daemon. */
  timeNano: bigint;
}
