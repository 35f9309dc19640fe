import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignTable, displayWidth, terminalSafe, truncateToWidth } from './terminal.js';

test('display width counts combining marks as 0 and CJK or emoji as 2', () => {
  assert.equal(displayWidth('ünïcødé'), 7);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(displayWidth('到着'), 4);
  assert.equal(displayWidth('a🚀'), 3);
});

test('control and bidi-override characters become visible escapes', () => {
  assert.equal(terminalSafe('a\u001b[2Jb\nc\td'), 'a\\u{1b}[2Jb\\nc\\td');
  assert.equal(terminalSafe('a\u202eb'), 'a\\u{202e}b');
});

test('truncation counts columns and never splits a grapheme', () => {
  assert.equal(truncateToWidth('amount', 10), 'amount');
  assert.equal(truncateToWidth('到着遅延時間', 7), '到着遅…');
  assert.equal(truncateToWidth('e\u0301e\u0301e\u0301e\u0301', 3), 'e\u0301e\u0301…');
});

test('alignTable lines columns up by display width: words left, numbers right, no trailing blanks', () => {
  const columns = [
    { header: 'feature', align: 'left' as const },
    { header: 'psi', align: 'right' as const },
    { header: 'note', align: 'left' as const },
  ];
  assert.deepEqual(
    alignTable(
      columns,
      [
        ['到着', '0.5', 'x'],
        ['amount', '12.25', ''],
      ],
      { indent: '  ', rule: true },
    ),
    ['  feature    psi  note', '  -------  -----  ----', '  到着       0.5  x', '  amount   12.25'],
  );
  // Without a header line, its labels do not widen the columns.
  assert.deepEqual(alignTable(columns.slice(0, 2), [['a', '1']], { header: false }), ['a  1']);
});

test('alignTable paints after padding, so colour codes take no columns', () => {
  const red = (text: string) => `<${text}>`;
  const lines = alignTable(
    [
      { header: 'f', align: 'left' },
      { header: 'drift', align: 'left' },
    ],
    [[{ text: 'ab', paint: red }, 'yes']],
    { headerPaint: (t) => t.toUpperCase() },
  );
  assert.deepEqual(lines, ['F   DRIFT', '<ab>  yes']);
});
