// The package installs and runs outside the repository (issue 14, item 14): `npm pack` (its
// `prepack` builds a clean dist/) gives a tarball that `npm install` puts in an empty folder, whose
// `driftwatch` prints its version and checks two files there. The pack runs in a copy of the
// working tree, so the suite's own dist/ (other tests run it meanwhile) is never rebuilt under them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { FIXTURES, ROOT, tempDir } from './helpers/cli.js';

const run = promisify(execFile);
const tmp = tempDir('driftwatch-package-');
after(() => tmp.cleanup());

/** Generated or local folders a copy of the working tree leaves out (and everything under them). */
const NOT_COPIED = new Set(['node_modules', 'dist', 'data', '.git', '.kafka', 'bench/out']);

describe('the npm package', { timeout: 240_000 }, () => {
  it('npm pack, npm install of the tarball in an empty folder: driftwatch --version and driftwatch check run there', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const tree = join(tmp.dir, 'tree');
    cpSync(ROOT, tree, { recursive: true, filter: (src) => !NOT_COPIED.has(relative(ROOT, src)) });
    // The build's tools (tsc, the types) from the repository's own install.
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const out = join(tmp.dir, 'out');
    mkdirSync(out);
    const npm = (args: string[], cwd: string) =>
      run('npm', [...args, '--no-audit', '--no-fund'], {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, npm_config_loglevel: 'warn' },
      });

    const packed = await npm(['pack', '--json', '--pack-destination', out], tree);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    for (const needed of [
      'dist/cli.js',
      'dist/api/dashboard/assets/index.html',
      'dist/api/dashboard/assets/dashboard.js',
      'dist/api/dashboard/assets/dashboard.css',
      'alerts/templates/email.html',
      'alerts/templates/email.txt',
      'baselines/flights/v1.json',
      'README.md',
    ])
      assert.ok(files.includes(needed), `${needed} is in the tarball: ${files.filter((f) => !f.startsWith('dist/')).join(', ')}`);
    assert.deepEqual(
      files.filter((f) => /\.test\.js$|\.map$|^(src|test|bench|scripts|docs|data)\//.test(f)),
      [],
      'no sources, tests, maps or local data',
    );

    const app = join(tmp.dir, 'app');
    mkdirSync(app);
    await npm(['install', '--prefix', app, '--prefer-offline', join(out, info!.filename)], app);
    const bin = join(app, 'node_modules', '.bin', 'driftwatch');
    assert.ok(existsSync(bin), 'the bin is linked');

    // An empty folder with only the two data files: nothing of the repository is reachable.
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    for (const name of ['synthetic_baseline.csv', 'synthetic_current.csv']) copyFileSync(join(FIXTURES, name), join(empty, name));
    const shown = await run(bin, ['--version'], { cwd: empty });
    assert.equal(shown.stdout.trim(), version);
    const check = await run(
      bin,
      ['check', '--baseline', 'synthetic_baseline.csv', '--current', 'synthetic_current.csv', '--format', 'json'],
      {
        cwd: empty,
      },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);
    assert.equal('code' in check ? check.code : 0, 0, 'stderr' in check ? check.stderr : '');
    const report = JSON.parse(check.stdout) as { drift: boolean; features: { name: string }[] };
    assert.equal(report.drift, true, 'synthetic_current drifts from synthetic_baseline');
    assert.deepEqual(report.features.map((f) => f.name).sort(), ['age', 'amount', 'channel', 'score']);
  });
});
