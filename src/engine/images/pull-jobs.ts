// Pulls of one reference and platform share one job. A pull that joins a running one is shown what
// it missed (the image lines so far, each layer's first and latest line), then the live lines. A
// follower whose signal aborts (its client went away) stops following at once; the job itself is
// aborted when no one follows it any more, so nothing is tagged after a cancelled pull, and the
// next pull of the same key starts afresh.
import type { ProgressEvent } from "./service.ts";

/** One pull in progress, followed by the API requests that asked for it. */
interface PullJob {
  promise: Promise<string>;
  abort: AbortController;
  followers: number;
  done: boolean;
  /** The lines so far, for a pull that joins: image lines in order, each layer's first and latest line. */
  seen: Map<string, { first: ProgressEvent; last: ProgressEvent }>;
  watchers: Set<(e: ProgressEvent) => void>;
}

/** What runs a job: it reports through `say` and stops when `signal` aborts; resolves to the image id. */
export type PullWork = (say: (e: ProgressEvent) => void, signal: AbortSignal) => Promise<string>;

export class PullJobs {
  private readonly jobs = new Map<string, PullJob>();

  /** Follows the job for `key`, started with `work` if none is in flight. */
  follow(key: string, work: PullWork, follower: { onProgress?: (e: ProgressEvent) => void; signal?: AbortSignal }): Promise<string> {
    return this.followJob(key, this.jobs.get(key) ?? this.start(key, work), follower);
  }

  private start(key: string, work: PullWork): PullJob {
    const job: PullJob = { abort: new AbortController(), followers: 0, done: false, seen: new Map(), watchers: new Set(), promise: Promise.resolve("") };
    let lines = 0;
    const say = (e: ProgressEvent) => {
      const key = e.id && /^[0-9a-f]{12}$/.test(e.id) ? e.id : `line ${lines++}`;
      const seen = job.seen.get(key);
      if (seen) seen.last = e;
      else job.seen.set(key, { first: e, last: e });
      for (const w of job.watchers) w(e);
    };
    this.jobs.set(key, job);
    job.promise = work(say, job.abort.signal).finally(() => {
      job.done = true;
      if (this.jobs.get(key) === job) this.jobs.delete(key);
    });
    job.promise.catch(() => {});
    return job;
  }

  private async followJob(key: string, job: PullJob, follower: { onProgress?: (e: ProgressEvent) => void; signal?: AbortSignal }): Promise<string> {
    const watch = follower.onProgress ? (e: ProgressEvent) => follower.onProgress!(e) : () => {};
    // a layer's first line ("Pulling fs layer") and its latest, so that every layer has its line
    for (const { first, last } of job.seen.values()) {
      watch(first);
      if (last !== first) watch(last);
    }
    job.watchers.add(watch);
    job.followers++;
    const signal = follower.signal;
    try {
      if (!signal) return await job.promise;
      signal.throwIfAborted();
      return await new Promise<string>((resolve, reject) => {
        const gone = () => reject(signal.reason);
        signal.addEventListener("abort", gone, { once: true });
        job.promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", gone));
      });
    } finally {
      job.watchers.delete(watch);
      if (--job.followers === 0 && !job.done) {
        // nobody wants it any more: stop the downloads; a new pull starts afresh
        if (this.jobs.get(key) === job) this.jobs.delete(key);
        job.abort.abort(signal?.reason);
      }
    }
  }
}
