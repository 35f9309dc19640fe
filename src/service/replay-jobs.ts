import { randomUUID } from 'node:crypto';
import type { ReplayJob } from '../contracts/replay.js';
import { messageOf } from '../errors.js';
import type { PartitionRange } from '../ingest/replay.js';
import type { Logger } from '../log.js';
import type { ProgressFn } from '../progress.js';

/** What runs a replay: plans the ranges (reported through `onPlanned`), reads them, returns the messages read. */
export type ReplayRun = (onPlanned: (ranges: PartitionRange[]) => void, onProgress: ProgressFn, signal: AbortSignal) => Promise<number>;

export type { ReplayJob };

/** Jobs kept for the API after they end (the newest). */
const KEEP_FINISHED = 50;

/**
 * The replays of a serving process: at most one per model at a time, each followed by its
 * progress, kept after it ends (the newest {@link KEEP_FINISHED}) so that its outcome can be read.
 * A failure is logged and kept with its reason, never thrown away.
 */
export class ReplayJobs {
  private readonly jobs = new Map<string, ReplayJob>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly logger: Logger) {}

  /** The model's running replay, if any. */
  runningFor(model: string): ReplayJob | undefined {
    return [...this.jobs.values()].find((j) => j.model === model && (j.status === 'planning' || j.status === 'running'));
  }

  /** Starts a replay in the background and returns its job at once. The caller checks {@link runningFor} first. */
  start(model: string, bounds: { from: string; to: string | null }, run: ReplayRun): ReplayJob {
    const job: ReplayJob = {
      id: randomUUID(),
      model,
      status: 'planning',
      ...bounds,
      ranges: [],
      total: 0,
      read: 0,
      progress: 0,
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.jobs.set(job.id, job);
    const planned = (ranges: PartitionRange[]) => {
      job.ranges = ranges.map((r) => ({ topic: r.topic, partition: r.partition, from: r.from.toString(), to: r.to.toString() }));
      job.total = ranges.reduce((n, r) => n + Number(r.to - r.from), 0);
      job.status = 'running';
      this.logger.info({ model, replay: job.id, ranges: job.ranges }, 'replay started');
    };
    const progress: ProgressFn = (fraction) => {
      job.progress = fraction;
      job.read = Math.round(fraction * job.total);
    };
    const done = run(planned, progress, this.stopping.signal).then(
      (read) => {
        Object.assign(job, { status: 'done', read, progress: 1, finishedAt: new Date().toISOString() });
        this.logger.info({ model, replay: job.id, read }, 'replay done');
      },
      (error) => {
        Object.assign(job, { status: 'failed', error: messageOf(error), finishedAt: new Date().toISOString() });
        this.logger.error({ model, replay: job.id, err: job.error }, 'replay failed');
      },
    );
    this.running.set(job.id, done);
    void done.finally(() => {
      this.running.delete(job.id);
      this.trim();
    });
    return job;
  }

  get(id: string): ReplayJob | undefined {
    return this.jobs.get(id);
  }

  /** Stops every replay (each ends after the chunk in hand, as failed with how far it got) and waits for them. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.running.values());
  }

  private trim(): void {
    const finished = [...this.jobs.values()].filter((j) => j.finishedAt !== null);
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id);
  }
}
