import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './load.js';
import { configWarnings } from './warnings.js';

const TOKENS = { DRIFTWATCH_API_TOKENS: 'admin:0123456789abcdef0123' };
const email = (name: string) => ({ name, type: 'email', smtpUrl: 'smtp://mail:25', from: 'dw@x.org', to: ['ops@x.org'] });
const schedule = { cron: '*/15 * * * *' };

/** A config that warns about nothing, with what a test changes. */
function config(overrides: { models?: unknown[]; alerts?: unknown; api?: unknown } = {}) {
  return parseConfig(
    {
      models: overrides.models ?? [{ name: 'fraud', baseline: 'b.json', schedule }],
      alerts: overrides.alerts ?? { channels: [email('ops')], routes: [{ channels: ['ops'] }] },
      ...(overrides.api ? { api: overrides.api } : {}),
    },
    'test.yaml',
    {},
  );
}

describe('configWarnings', () => {
  it('labels of a model sampled by offset cannot follow its sampling: said once; by id or by the key that is the id, nothing', () => {
    const model = (sampling: object, event: object = {}) => ({ name: 'fraud', baseline: 'b.json', schedule, sampling, event, labels: {} });
    const [warning, ...rest] = configWarnings(config({ models: [model({ rate: 0.1, by: 'offset' })] }), TOKENS);
    assert.deepEqual(rest, []);
    assert.equal(warning?.code, 'labels-sampling-unknown');
    assert.equal(warning?.path, 'models[0].sampling');
    assert.match(warning?.message ?? '', /every label is stored and the unmatched ones include those of predictions sampled out/);
    for (const ok of [model({ rate: 0.1, by: 'id' }, { id: 'id' }), model({ rate: 0.1, by: 'key' }), model({ rate: 1, by: 'offset' })])
      assert.deepEqual(configWarnings(config({ models: [ok] }), TOKENS), []);
  });

  it('a complete config warns about nothing', () => {
    assert.deepEqual(configWarnings(config(), TOKENS), []);
  });

  it('no DRIFTWATCH_API_TOKENS: the API answers 401, and HTTP-fed models receive nothing', () => {
    for (const env of [{}, { DRIFTWATCH_API_TOKENS: '' }, { DRIFTWATCH_API_TOKENS: ' , ' }]) {
      const [warning, ...rest] = configWarnings(config(), env);
      assert.deepEqual(rest, []);
      assert.equal(warning?.code, 'api-without-tokens');
      assert.equal(warning?.path, 'api');
      assert.match(warning!.message, /DRIFTWATCH_API_TOKENS is not set: every request that needs a token gets 401 \(.*\/metrics/);
      assert.match(warning!.message, /models fed only through HTTP ingest receive no events: fraud/);
    }
    const publicMetrics = configWarnings(config({ api: { metricsPublic: true } }), {});
    assert.doesNotMatch(publicMetrics[0]!.message, /\/metrics/);
  });

  it('a channel no route or report names: nothing will ever be sent to it', () => {
    const unrouted = configWarnings(
      config({ alerts: { channels: [email('ops'), email('team')], routes: [{ channels: ['ops'] }] } }),
      TOKENS,
    );
    assert.deepEqual(
      unrouted.map((w) => [w.code, w.path]),
      [['channel-unused', 'alerts.channels[1]']],
    );
    assert.match(
      unrouted[0]!.message,
      /channel 'team' is named by no route \(alerts\.routes\) and no model's report: nothing will ever be sent/,
    );
    const noRoutes = configWarnings(config({ alerts: { channels: [email('ops')] } }), TOKENS);
    assert.match(noRoutes[0]!.message, /add a route/);
    // A channel used only by a model's digest is used.
    const digest = config({
      models: [{ name: 'fraud', baseline: 'b.json', schedule, report: { cron: '0 8 * * *', channels: ['ops'] } }],
      alerts: { channels: [email('ops')] },
    });
    assert.deepEqual(configWarnings(digest, TOKENS), []);
  });

  it('a route naming a model that does not exist routes nothing', () => {
    const warnings = configWarnings(
      config({ alerts: { channels: [email('ops')], routes: [{ models: ['frud'], channels: ['ops'] }] } }),
      TOKENS,
    );
    assert.deepEqual(
      warnings.map((w) => [w.code, w.path]),
      [['route-unknown-model', 'alerts.routes[0].models[0]']],
    );
    assert.match(warnings[0]!.message, /no model is named 'frud'.*models: fraud/);
  });

  it('a model without schedule is never checked', () => {
    const warnings = configWarnings(
      config({
        models: [
          { name: 'fraud', baseline: 'b.json', schedule },
          { name: 'churn', baseline: 'b.json' },
        ],
      }),
      TOKENS,
    );
    assert.deepEqual(
      warnings.map((w) => [w.code, w.path]),
      [['model-unscheduled', 'models[1].schedule']],
    );
    assert.match(warnings[0]!.message, /model 'churn' has no schedule: it is never checked/);
  });
});
