import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount, formatMinute, formatNumber, formatPValue, formatShare, formatTime, formatWindow, truncateText } from './format.js';

test('numbers use 4 significant digits; tiny p-values use exponent form', () => {
  assert.equal(formatNumber(0.028), '0.028');
  assert.equal(formatNumber(210.8123), '210.8');
  assert.equal(formatNumber(12345), '12350');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(3.14159e-9), '3.142e-9');
  assert.equal(formatNumber(2.5e7), '2.5e7');
  assert.equal(formatNumber(undefined), '-');
  assert.equal(formatPValue(3.14159e-9), '3.1e-9');
  assert.equal(formatPValue(0.0163), '0.0163');
  assert.equal(formatPValue(1), '1');
});

test('counts have separators, shares are percentages, the same on every locale', () => {
  assert.equal(formatCount(20000), '20,000');
  assert.equal(formatCount(12345.6), '12,346');
  assert.equal(formatShare(0.123), '12.3%');
  assert.equal(formatShare(0.0005), '0.05%');
  assert.equal(formatShare(Number.NaN), 'NaN');
});

test('times read to the minute in UTC; unreadable times are shown as given', () => {
  assert.equal(formatMinute('2026-01-05T14:00:59.000Z'), '2026-01-05 14:00');
  assert.equal(formatTime('2024-05-01T11:00:07.000Z'), '2024-05-01 11:00 UTC');
  assert.equal(formatTime('not a time'), 'not a time');
  assert.equal(formatWindow('2024-05-01T10:00:00.000Z', '2024-05-01T11:00:00.000Z'), '2024-05-01 10:00 – 11:00 UTC');
  assert.equal(formatWindow('2024-05-01T23:00:00.000Z', '2024-05-02T00:00:30.000Z'), '2024-05-01 23:00:00 – 2024-05-02 00:00:30 UTC');
  assert.equal(formatWindow('a', 'b'), 'a – b');
});

test('texts are cut to a limit with a marker, never splitting a surrogate pair', () => {
  assert.equal(truncateText('short', 5), 'short');
  assert.equal(truncateText('a long summary', 6), 'a lon…');
  assert.equal(truncateText('a long summary', 6).length, 6);
  // 'ab😀c': the emoji is two UTF-16 units; a cut through it drops both halves.
  assert.equal(truncateText('ab😀cd', 4), 'ab…');
  assert.equal(truncateText('ab😀cd', 5), 'ab😀…');
  assert.equal(truncateText('abc', 1), '…');
});
