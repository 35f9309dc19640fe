import type { Alert, Notification } from '../contracts/alert.js';

/**
 * Folds notifications still queued for a group and channel (older, oldest first, never sent) into
 * the newer one that replaces them, so that the inbox ends on the newest state and loses no news:
 *
 * - an alert in the newer notification keeps its newer state; if an older one announced it as new
 *   (or escalated), it is still news to the receiver, which never got that older message;
 * - an alert only in an older notification is carried over in its latest older state: a
 *   resolution nobody heard of, or a firing alert this check did not restate (held over an
 *   insufficient window);
 * - `supersedes` lists the delivery ids that will not arrive.
 */
export function supersede(older: readonly Notification[], newer: Notification): Notification {
  if (older.length === 0) return newer;
  const inNewer = new Map(newer.alerts.map((a) => [a.fingerprint, a]));
  const fresh = new Set(newer.changes?.new ?? []);
  const escalated = new Set(newer.changes?.escalated ?? []);
  const resolved = new Set(newer.changes?.resolved ?? newer.alerts.filter((a) => a.status === 'resolved').map((a) => a.fingerprint));
  const carried = new Map<string, Alert>();
  // Newest older first: the latest state of each carried alert wins.
  for (const n of [...older].reverse()) {
    const olderNew = new Set(n.changes?.new ?? n.alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint));
    const olderEscalated = new Set(n.changes?.escalated ?? []);
    for (const alert of n.alerts) {
      const fp = alert.fingerprint;
      if (!inNewer.has(fp) && !carried.has(fp)) {
        carried.set(fp, alert);
        if (alert.status === 'resolved') resolved.add(fp);
      }
      const state = inNewer.get(fp) ?? carried.get(fp)!;
      if (state.status !== 'firing') continue;
      if (olderNew.has(fp)) fresh.add(fp);
      else if (olderEscalated.has(fp)) escalated.add(fp);
    }
  }
  for (const fp of fresh) escalated.delete(fp);
  const alerts = [...newer.alerts, ...carried.values()];
  // The charts of carried alerts' features, from the newest older notification that has them.
  const wanted = new Set([...carried.values()].map((a) => a.labels.feature));
  for (const f of newer.features) wanted.delete(f.name);
  const features = [...newer.features];
  for (const n of [...older].reverse()) {
    for (const f of n.features) {
      if (!wanted.delete(f.name)) continue;
      features.push(f);
    }
  }
  const supersedes = [...new Set([...older.flatMap((n) => [...(n.supersedes ?? []), n.id]), ...(newer.supersedes ?? [])])];
  return {
    ...newer,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    features,
    changes: { new: [...fresh], escalated: [...escalated], resolved: [...resolved] },
    supersedes,
  };
}
