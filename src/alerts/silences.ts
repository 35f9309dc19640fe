import { UserError } from '../errors.js';
import { alertExists, silence, unsilence } from '../store/alerts.js';
import type { Database } from '../store/database.js';

/**
 * Silences, a stage of the notification pipeline (Alertmanager's model): an alert's
 * notifications are held until a time; the alert itself keeps firing and resolving as checks
 * find. The pipeline leaves silenced alerts out of messages (`pipeline.ts`); these are the
 * changes people make, through the API.
 */

/** Thrown when a silence names an alert that was never seen (it would mute nothing). */
export class UnknownAlertError extends UserError {}

/** Silences an ever-seen alert for `durationMs` from `now`, replacing an earlier silence; returns the end (epoch ms). */
export async function silenceAlert(db: Database, fingerprint: string, durationMs: number, now: number): Promise<number> {
  if (!(await alertExists(db, fingerprint))) throw new UnknownAlertError(`no alert has the fingerprint '${fingerprint}'`);
  const until = now + durationMs;
  await silence(db, fingerprint, until);
  return until;
}

/** Ends an ever-seen alert's silence (idempotent); true when there was one. */
export async function unsilenceAlert(db: Database, fingerprint: string): Promise<boolean> {
  if (!(await alertExists(db, fingerprint))) throw new UnknownAlertError(`no alert has the fingerprint '${fingerprint}'`);
  return unsilence(db, fingerprint);
}
