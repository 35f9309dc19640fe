import { randomUUID } from 'node:crypto';
import { modelDashboardUrl } from '../alerts/routing.js';
import type { AlertsConfig, ModelConfig } from '../config/schema.js';
import type { Digest } from '../contracts/digest.js';
import { renderDigestEmail } from '../render/mail/digest.js';
import type { Database } from '../store/database.js';
import { enqueue } from '../store/outbox.js';
import { buildDigest } from './digest.js';

/**
 * A scheduled drift report: the model's digest of the period ending at `now`, rendered once and
 * queued in the outbox for each of the report's channels (one delivery id each; delivery, retries
 * and dead letters are the outbox's). Returns the digest, for the log.
 */
export async function queueDigest(
  db: Database,
  model: ModelConfig & { report: NonNullable<ModelConfig['report']> },
  alerts: Pick<AlertsConfig, 'dashboardUrl'>,
  now: number,
): Promise<Digest> {
  const digest = await buildDigest(
    db,
    model.name,
    { startMs: now - model.report.period, endMs: now },
    modelDashboardUrl(alerts, model.name),
  );
  const email = renderDigestEmail(digest);
  await db.transaction(async () => {
    for (const channel of model.report.channels) {
      const id = randomUUID();
      await enqueue(db, { id, channel, model: model.name, kind: 'report', payload: { id, ...email } }, now);
    }
  });
  return digest;
}
