import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';
import { messageOf } from '../errors.js';

/**
 * node-cron jobs with two guarantees: a job never overlaps itself (a run still going when the
 * next is due is skipped and logged), and a failing run is logged, never thrown into the timer.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Adds a job: `name` identifies it in logs and the no-overlap lock. */
  add(name: string, expression: string, timezone: string, job: () => Promise<void>): void {
    const task = cron.schedule(expression, () => this.run(name, job), { name, timezone });
    this.tasks.push(task);
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
    for (const task of this.tasks) await task.stop();
    await Promise.all(this.running.values());
  }
}
