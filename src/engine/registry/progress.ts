// Progress of one blob's transfer, reported through a callback for the CLI's progress bars and the
// API's JSON progress stream. Callers may be called often (once per chunk); they throttle.
import type { Digest } from "../../oci/image/digest.ts";

export type BlobStatus =
  /** Queued behind the parallelism bound. */
  | "waiting"
  | "downloading"
  | "uploading"
  /** A failure is being retried (after back-off); `done` may restart from a resumed offset. */
  | "retrying"
  /** Already in the local store (pull) or the registry (push). */
  | "exists"
  /** Mounted from another repository of the same registry instead of uploaded. */
  | "mounted"
  | "complete";

export interface BlobProgress {
  digest: Digest;
  status: BlobStatus;
  /** Bytes present so far, resumed ones included. */
  done: number;
  total: number;
  /** With "retrying": the wait before the next try. */
  retryInMs?: number;
}

export type OnProgress = (p: BlobProgress) => void;
