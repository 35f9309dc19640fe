// The layout's rules (issue 13), held by the test suite as well as by `npm run lint`: no import
// cycle, contracts and config below their users, the store below what asks it, renderers that only
// render, channels that never import a sibling (.dependency-cruiser.cjs), and SQL on the store's
// tables only in src/store/ (scripts/lint/store-sql.mjs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { storeSqlFindings } from '../scripts/lint/store-sql.js';
import { ROOT } from './helpers/cli.js';

describe('the layout', () => {
  it('dependency-cruiser finds no violation of the layering rules in src/', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
        'src',
        '--config',
        '.dependency-cruiser.cjs',
        '--output-type',
        'err',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  });

  it("only src/store/ writes SQL on the service's own tables", () => {
    const findings = storeSqlFindings(ROOT);
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}: ${f.what}`),
      [],
    );
  });
});
