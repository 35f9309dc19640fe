import type { AlertsConfig } from '../config/schema.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/database.js';
import { type ClockReading, readClocks } from '../clock.js';
import { HttpDeliveryError } from './channels/http-status.js';
import { claim, due, markDead, markDelivered, markRetry, type OutboxEntry, outboxLock } from '../store/outbox.js';
import { type Channel, DeliveryError } from './types.js';

/** The wait before attempt n+1 after n failed attempts: doubling from `initial`, capped at `max`. */
export function backoffMs(attempts: number, initialMs: number, maxMs: number): number {
  return Math.min(initialMs * 2 ** Math.max(attempts - 1, 0), maxMs);
}

/** The outcome of one delivery pass, for logs and tests. */
export interface DeliveryPass {
  delivered: number;
  retried: number;
  dead: number;
}

/**
 * Sends what the outbox holds, each notification to its channel. A retriable failure is tried
 * again after a back-off; a permanent one, or the last allowed attempt, leaves it dead, kept for
 * the API and metrics. Nothing is dropped silently: every outcome is written back to the outbox.
 */
export class Deliverer {
  private running: Promise<DeliveryPass> | undefined;
  /**
   * The retries of this process, by id: when each one's back-off ends on the monotonic clock. A
   * retry waits a duration, not a wall-clock instant: a step of the wall clock (NTP, a resumed VM)
   * neither holds it for the length of the step nor sends it early.
   */
  private readonly waits = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly channels: ReadonlyMap<string, Channel>,
    private readonly settings: Pick<AlertsConfig, 'maxAttempts' | 'initialBackoff' | 'maxBackoff'>,
    private readonly logger: Logger,
  ) {}

  /**
   * One pass over the due entries; passes never overlap (a second call joins the running one).
   * `now`, when given, stands for both clocks (a test's simulated time, which never steps).
   */
  deliverDue(now?: number): Promise<DeliveryPass> {
    const clock = now === undefined ? readClocks : () => ({ wall: now, mono: now });
    this.running ??= this.pass(clock).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves when no pass is running (used on stop: the pass in hand finishes, no new one starts). */
  async idle(): Promise<void> {
    await this.running?.catch(() => {});
  }

  /**
   * Each channel's due entries in order, the channels side by side (as Alertmanager notifies each
   * receiver on its own): a receiver that never answers holds only its own channel, not email.
   */
  private async pass(clock: () => ClockReading): Promise<DeliveryPass> {
    const at = clock();
    const result: DeliveryPass = { delivered: 0, retried: 0, dead: 0 };
    const ready = [...this.waits].filter(([, end]) => end <= at.mono).map(([id]) => id);
    const waiting = [...this.waits].filter(([, end]) => end > at.mono).map(([id]) => id);
    const entries = await due(this.db, at.wall, { ready, waiting, maxWaitMs: this.settings.maxBackoff });
    // Over: a ready entry is tried now (and waits again if it fails), or is gone (superseded).
    for (const id of ready) this.waits.delete(id);
    const byChannel = new Map<string, OutboxEntry[]>();
    for (const entry of entries) byChannel.set(entry.channel, [...(byChannel.get(entry.channel) ?? []), entry]);
    await Promise.all(
      [...byChannel.values()].map(async (entries) => {
        for (const entry of entries) {
          const outcome = await this.attempt(entry, clock);
          if (outcome !== 'superseded') result[outcome]++;
        }
      }),
    );
    return result;
  }

  /**
   * The outbox writes of concurrent channels, one at a time on the deliverer's connection, and
   * never at the same time as a check's transaction that supersedes entries (`outboxLock`).
   */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    return outboxLock(this.db).run(fn);
  }

  private async attempt(entry: OutboxEntry, clock: () => ClockReading): Promise<'delivered' | 'retried' | 'dead' | 'superseded'> {
    const channel = this.channels.get(entry.channel);
    const log = { delivery: entry.id, channel: entry.channel, model: entry.model, attempt: entry.attempts + 1 };
    if (!channel) {
      await this.write(() => markDead(this.db, entry.id, entry.attempts, `channel '${entry.channel}' is not configured any more`));
      this.logger.error(log, 'delivery dead: its channel is gone from the config');
      return 'dead';
    }
    if (entry.claimedAt !== null) {
      // Claimed and never finished: the process stopped while sending. That attempt counted.
      const interrupted = `the attempt of ${new Date(entry.claimedAt).toISOString()} was interrupted (the process stopped while sending)`;
      if (entry.attempts >= this.settings.maxAttempts) {
        const message = `${interrupted}; gave up after ${attemptsText(entry.attempts)} (alerts.maxAttempts)`;
        await this.write(() => markDead(this.db, entry.id, entry.attempts, message));
        this.logger.error({ ...log, attempt: entry.attempts, err: message }, 'delivery dead');
        return 'dead';
      }
      this.logger.warn({ ...log, err: interrupted }, 'delivery interrupted by a stop; trying again');
    }
    // Counted and marked in flight before anything is sent: a kill mid-send has made the attempt.
    const attempts = await this.write(() => claim(this.db, entry.id, clock().wall));
    if (attempts === undefined) {
      this.logger.info(log, 'delivery superseded by a newer notification before its attempt; not sent');
      return 'superseded';
    }
    try {
      if (entry.kind === 'report') {
        // A scheduled drift report is a rendered message; config validation only routes it to channels that carry one (email).
        if (!channel.sendMessage)
          throw new DeliveryError(`channel '${entry.channel}' (${channel.type}) cannot carry a rendered report`, false);
        await channel.sendMessage(entry.payload);
      } else {
        await channel.send(entry.payload);
      }
      await this.write(() => markDelivered(this.db, entry.id, attempts, Date.now()));
      this.logger.info({ ...log, attempt: attempts }, 'delivered');
      return 'delivered';
    } catch (error) {
      const retriable = error instanceof DeliveryError ? error.retriable : true;
      const message = messageOf(error);
      if (!retriable || attempts >= this.settings.maxAttempts) {
        // A channel's error says whether it is retriable; only here is it known that no retry follows.
        const final = retriable ? `${message}; gave up after ${attemptsText(attempts)} (alerts.maxAttempts)` : message;
        await this.write(() => markDead(this.db, entry.id, attempts, final));
        this.logger.error({ ...log, attempt: attempts, err: final, retriable }, 'delivery dead');
        return 'dead';
      }
      // A receiver's Retry-After is honoured when it asks for more than our back-off.
      const asked = error instanceof HttpDeliveryError ? (error.retryAfterMs ?? 0) : 0;
      const waitMs = Math.max(
        backoffMs(attempts, this.settings.initialBackoff, this.settings.maxBackoff),
        Math.min(asked, this.settings.maxBackoff),
      );
      // The stored instant is for the API and for a restart; this process waits the duration.
      const at = clock();
      const next = at.wall + waitMs;
      await this.write(() => markRetry(this.db, entry.id, attempts, next, message));
      this.waits.set(entry.id, at.mono + waitMs);
      this.logger.warn(
        { ...log, attempt: attempts, err: message, waitMs, nextAttemptAt: new Date(next).toISOString() },
        'delivery failed; will retry',
      );
      return 'retried';
    }
  }
}

/** "1 attempt", "3 attempts". */
function attemptsText(n: number): string {
  return `${n} attempt${n === 1 ? '' : 's'}`;
}
