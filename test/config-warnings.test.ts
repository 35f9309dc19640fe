// Settings that are valid but do nothing are said when `serve` starts (issue 14, item 10): the real
// CLI, an HTTP-only model (no broker needed), no API tokens, a channel no route names, no schedule.
// `driftwatch config validate` (item 14) says the same without starting anything.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-config-warnings-');
after(() => tmp.cleanup());

describe('config warnings at serve start', { timeout: 90_000 }, () => {
  it('logs one warning per silent misconfiguration, naming the key path', async () => {
    const baseline = await testBaseline(tmp.dir, 'quiet');
    const config = writeConfig(tmp.dir, {
      storage: { path: `${tmp.dir}/warn.duckdb` },
      models: [{ name: 'quiet', baseline }],
      alerts: { channels: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook', format: 'slack' }] },
    });
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: '' });
    try {
      const warnings = serve.lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; code?: string; path?: string })
        .filter((l) => l.level === 40 && l.code);
      assert.deepEqual(
        warnings.map((w) => [w.code, w.path]),
        [
          ['api-without-tokens', 'api'],
          ['channel-unused', 'alerts.channels[0]'],
          ['model-unscheduled', 'models[0].schedule'],
        ],
        serve.lines.join('\n'),
      );
      assert.match(warnings[0]!.msg, /DRIFTWATCH_API_TOKENS is not set/);
      assert.match(warnings[1]!.msg, /channel 'ops' is named by no route .*nothing will ever be sent to it/);
      assert.match(warnings[2]!.msg, /model 'quiet' has no schedule: it is never checked/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });
});

describe('driftwatch config validate', { timeout: 60_000 }, () => {
  it('a valid config: exit 0, a summary, and the warnings; no store is created', async () => {
    const baseline = await testBaseline(tmp.dir, 'valid');
    const store = join(tmp.dir, 'never-created.duckdb');
    const config = writeConfig(
      tmp.dir,
      {
        storage: { path: store },
        models: [{ name: 'valid', baseline }],
        alerts: {
          routes: [{ models: ['vaild'], channels: ['ops'] }],
          channels: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/h', format: 'slack' }],
        },
      },
      'valid.yaml',
    );
    const r = await runCli(['config', 'validate', '--config', config], { env: { DRIFTWATCH_API_TOKENS: 'admin:0123456789abcdef0123' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /config '.*valid\.yaml' is valid: 1 model \(valid\), 1 channel, 1 route; 2 warnings/);
    assert.match(r.stderr, /^driftwatch: warning: alerts\.routes\[0\]\.models\[0\]: no model is named 'vaild'/m);
    assert.match(r.stderr, /^driftwatch: warning: models\[0\]\.schedule: model 'valid' has no schedule/m);
    assert.equal(existsSync(store), false, 'nothing started: no store');
  });

  it('an invalid config: exit 2, naming the file and the key (a typo gets the closest known key; a missing baseline its model)', async () => {
    const typo = writeConfig(tmp.dir, { models: [{ name: 'm', baseline: 'b.json', event: { featurePath: 'request' } }] }, 'typo.yaml');
    const r = await runCli(['config', 'validate', '--config', typo]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /driftwatch: error: invalid config '.*typo\.yaml': models\[0\]\.event: Unrecognized key "featurePath": did you mean "featuresPath"\?/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const missing = writeConfig(tmp.dir, { models: [{ name: 'gone', baseline: 'missing.json' }] }, 'missing.yaml');
    const m = await runCli(['config', 'validate', '--config', missing]);
    assert.equal(m.code, 2);
    assert.match(
      m.stderr,
      /invalid config '.*missing\.yaml': models\[0\]\.baseline \(model 'gone'\): cannot read baseline profile '.*missing\.json'/,
    );
  });

  it('driftwatch --version prints the version of package.json', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });
});
