// Settings that are valid but do nothing are said when `serve` starts (issue 14, item 10): the real
// CLI, an HTTP-only model (no broker needed), no API tokens, a channel no route names, no schedule.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
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
