import { createHash } from 'node:crypto';

/**
 * The key a paging tool de-duplicates a driftwatch alert group by (PagerDuty's `dedup_key`,
 * Opsgenie's `alias`): one per model and channel, the same on every notification of the group,
 * so a repeat updates the open incident and a resolution closes it. A hash, as Alertmanager
 * hashes its group key for PagerDuty: bounded (51 characters, under PagerDuty's 255 and
 * Opsgenie's 512) whatever the names, and URL-safe for Opsgenie's close path. The channel is part
 * of it so that two channels into one service (critical to one, warnings to another) never close
 * each other's incidents; renaming a channel therefore starts new ones.
 * @example alertGroupKey('pager', 'fraud') // 'driftwatch-' + 40 hex digits
 */
export function alertGroupKey(channel: string, model: string): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['driftwatch-alert-group', channel, model]))
    .digest('hex');
  return `driftwatch-${digest.slice(0, 40)}`;
}
