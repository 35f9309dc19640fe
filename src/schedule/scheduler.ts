import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';
import { messageOf } from '../errors.js';
import { type ClockReading, clockStep, readClocks } from '../clock.js';

/** The longest the scheduler sleeps (a monotonic timer): a step of the wall clock is seen within it. */
export const BEAT_MS = 1000;

/**
 * How far the wall clock may move from the monotonic clock between two beats before it counts as
 * a step. Event-loop lag delays a beat on both clocks alike, so it does not count; NTP slews
 * small offsets and steps only from 128 ms, so a second is a step, not noise.
 */
export const CLOCK_STEP_TOLERANCE_MS = 1000;

/** What to do with a job's next time at a beat: wait for it, or run now (late by `lateMs` when the time is past). */
export type SlotDecision = { run: false } | { run: true; lateMs: number };

/**
 * Whether a job's time (wall-clock ms) is due at `wall`. A time is run even when late: a wall
 * clock stepped forward (or a stalled process) catches up with one run instead of skipping silently.
 */
export function slotDecision(slot: number, wall: number): SlotDecision {
  return wall < slot ? { run: false } : { run: true, lateMs: wall - slot };
}

/** What the scheduler reports besides its logs, for metrics. */
export interface SchedulerEvents {
  /** The wall clock stepped by `stepMs` (negative: back). */
  clockStepped?(stepMs: number): void;
  /** A job ran `lateMs` after its time to catch up; the times between were not run. */
  ranLate?(job: string, lateMs: number): void;
}

interface Job {
  name: string;
  /** node-cron's task, never started: it only answers "the next time after now" for the expression and zone. */
  times: ScheduledTask;
  job: () => Promise<void>;
  /** The next time to run, wall-clock ms. */
  next: number;
}

/**
 * Cron jobs with three guarantees: a job never overlaps itself (a run still going when the next
 * is due is skipped and logged); a failing run is logged, never thrown into the timer; and a step
 * of the wall clock never stops a schedule. node-cron sleeps until the next time as the wall
 * clock says it: after a step back of a day it slept a day, and logged nothing. Here one
 * monotonic timer beats at least every second and compares the two clocks: after a step back
 * every job is planned again from the new wall time (so it runs within one of its periods); a job
 * whose time is past (a step forward, a stalled process) runs once, and how late is logged.
 */
export class Scheduler {
  private readonly jobs: Job[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private last: ClockReading = readClocks();
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly events: SchedulerEvents = {},
  ) {}

  /** Adds a job: `name` identifies it in logs and the no-overlap lock. */
  add(name: string, expression: string, timezone: string, job: () => Promise<void>): void {
    const times = cron.createTask(expression, () => {}, { name, timezone });
    this.jobs.push({ name, times, job, next: nextTime(times) });
    this.arm();
  }

  /** Runs a job now unless it is running already; resolves when the run ends. */
  run(name: string, job: () => Promise<void>): Promise<void> {
    const current = this.running.get(name);
    if (current !== undefined) {
      this.logger.warn({ job: name }, 'previous run still going: this run is skipped');
      return current;
    }
    const run = job()
      .catch((error) => this.logger.error({ job: name, err: messageOf(error) }, 'scheduled job failed; it runs again at its next time'))
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /** Stops every job and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const { times } of this.jobs) await times.destroy();
    await Promise.all(this.running.values());
  }

  /** Sleeps until the nearest job's time, at most a beat (setTimeout runs on the monotonic clock). */
  private arm(): void {
    if (this.stopped || this.jobs.length === 0) return;
    clearTimeout(this.timer);
    const nearest = Math.min(...this.jobs.map((j) => j.next)) - Date.now();
    this.timer = setTimeout(() => this.beat(), Math.max(0, Math.min(BEAT_MS, nearest)));
  }

  private beat(): void {
    const now = readClocks();
    const step = clockStep(this.last, now);
    this.last = now;
    if (Math.abs(step) > CLOCK_STEP_TOLERANCE_MS) {
      // After a step back the planned times lie ahead by the step: plan from the new wall time.
      // After a step forward they are past: the loop below runs each job once, late.
      if (step < 0) for (const j of this.jobs) j.next = nextTime(j.times);
      this.logger.warn(
        { stepMs: Math.round(step), wallClock: new Date(now.wall).toISOString() },
        step < 0
          ? 'wall clock stepped back: every schedule is planned again from the new time'
          : 'wall clock stepped forward: each job whose time passed runs once now',
      );
      this.events.clockStepped?.(step);
    }
    for (const j of this.jobs) {
      const decision = slotDecision(j.next, now.wall);
      if (!decision.run) continue;
      if (decision.lateMs > CLOCK_STEP_TOLERANCE_MS) {
        this.logger.warn(
          { job: j.name, scheduledFor: new Date(j.next).toISOString(), lateMs: Math.round(decision.lateMs) },
          'scheduled run is late (the wall clock stepped forward or the process stalled): it runs once now; the times in between are not run',
        );
        this.events.ranLate?.(j.name, decision.lateMs);
      }
      j.next = nextTime(j.times);
      void this.run(j.name, j.job);
    }
    this.arm();
  }
}

/** The expression's next time after the wall clock's now, in ms. */
function nextTime(times: ScheduledTask): number {
  const [next] = times.getNextRuns(1);
  if (next === undefined) throw new Error(`cron task ${times.name ?? times.id} has no next time`);
  return next.getTime();
}
