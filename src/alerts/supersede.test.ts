import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert, Notification } from '../contracts/alert.js';
import { supersede } from './supersede.js';

const alert = (feature: string, status: 'firing' | 'resolved', summary = `${feature} ${status}`): Alert => ({
  fingerprint: `fp-${feature}`,
  labels: { model: 'm', feature, kind: 'drift' },
  status,
  severity: 'warning',
  summary,
  startsAt: '2026-01-01T00:00:00.000Z',
  ...(status === 'resolved' ? { endsAt: '2026-01-01T01:00:00.000Z' } : {}),
});

const note = (id: string, alerts: Alert[], changes: Notification['changes']): Notification => ({
  id,
  version: 1,
  status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
  model: 'm',
  alerts,
  window: { start: 's', end: 'e', rows: 1 },
  reportId: `r-${id}`,
  dashboardUrl: null,
  features: [],
  schema: { missing: [], unexpected: [], anomalies: [] },
  ...(changes ? { changes } : {}),
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('supersede', () => {
  it('nothing waiting: the newer notification as it is', () => {
    const n = note('n', [alert('a', 'firing')], { new: ['fp-a'], escalated: [], resolved: [] });
    assert.equal(supersede([], n), n);
  });

  it('the newer state wins; what only older ones said is carried over; their news stays news', () => {
    // 1: a and b fire (new). 2: b resolves, c fires (new); a keeps firing. Neither was sent.
    const first = note('1', [alert('a', 'firing'), alert('b', 'firing')], { new: ['fp-a', 'fp-b'], escalated: [], resolved: [] });
    const second = note('2', [alert('b', 'resolved'), alert('c', 'firing')], { new: ['fp-c'], escalated: [], resolved: ['fp-b'] });
    // 3: c resolves; a, held over an insufficient window, is not restated.
    const third = note('3', [alert('c', 'resolved', 'c: no drift in the new window')], { new: [], escalated: [], resolved: ['fp-c'] });
    const merged = supersede([first, second], third);
    assert.equal(merged.id, '3');
    assert.deepEqual(merged.supersedes, ['1', '2']);
    const state = Object.fromEntries(merged.alerts.map((a) => [a.labels.feature, `${a.status}: ${a.summary}`]));
    assert.deepEqual(state, { c: 'resolved: c: no drift in the new window', b: 'resolved: b resolved', a: 'firing: a firing' });
    assert.equal(merged.status, 'firing', 'a still fires');
    assert.deepEqual(merged.changes?.new, ['fp-a'], 'the receiver never heard of a');
    assert.deepEqual([...(merged.changes?.resolved ?? [])].sort(), ['fp-b', 'fp-c']);
  });

  it('an alert the newer one calls ongoing is new to a receiver that never got the older one', () => {
    const first = note('1', [alert('a', 'firing')], { new: ['fp-a'], escalated: [], resolved: [] });
    const second = note('2', [alert('a', 'firing'), alert('b', 'resolved')], { new: [], escalated: [], resolved: ['fp-b'] });
    const merged = supersede([first], second);
    assert.deepEqual(merged.changes?.new, ['fp-a']);
    assert.equal(merged.alerts.length, 2);
  });
});
