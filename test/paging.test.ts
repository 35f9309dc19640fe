// PagerDuty, Opsgenie and Teams end to end through the delivery loop: a real check of stored
// events queues the notifications in the outbox, the Deliverer sends them to local HTTP receivers
// that answer as the services document, and each payload is checked against the service's
// published schema. A firing group triggers (creates, posts a card); its resolution resolves
// (closes) with the same dedup_key (alias); a 429 then a 202 is retried and delivered once; a 400
// is kept as dead with its error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChannels } from '../src/alerts/channels/index.js';
import { Deliverer } from '../src/alerts/delivery.js';
import { checkModel } from '../src/alerts/pipeline.js';
import { readProfile } from '../src/baseline/profile.js';
import { loadConfig } from '../src/config/load.js';
import type { DriftwatchConfig } from '../src/config/schema.js';
import { createLogger } from '../src/log.js';
import { listOutbox, outboxCounts } from '../src/store/outbox.js';
import { Store } from '../src/store/store.js';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { type Reply, WebhookReceiver } from './helpers/receivers.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { writeConfig } from './helpers/service.js';
import { opsgenieCheck, pagerDutyEventCheck, teamsMessageCheck } from './helpers/service-schemas.js';

const ENV = { TEST_PD_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF', TEST_OG_KEY: 'og-e2e-key-5f1c2a', TEST_TEAMS_URL: '' };
/** The services' documented answers. */
const PD_ACCEPTED: Reply = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"k"}' };
const PD_THROTTLED: Reply = { status: 429, body: '' };
const PD_INVALID: Reply = {
  status: 400,
  body: '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload.severity\' is invalid"]}',
};
const OG_QUEUED: Reply = { status: 202, body: '{"result":"Request will be processed","took":0.2,"requestId":"r-1"}' };
const SETTINGS = { initialBackoff: '1s', maxBackoff: '5s', maxAttempts: 5 };

const tmp = tempDir('driftwatch-paging-');
const logger = createLogger('silent');
let baseline: string;
before(async () => {
  baseline = await testBaseline(tmp.dir, 'paged');
});
after(() => tmp.cleanup());

/** A config whose channels point at the receivers, keys from the environment, as a user writes it. */
function configFor(name: string, channels: unknown[], env: Record<string, string>): DriftwatchConfig {
  const path = writeConfig(
    tmp.dir,
    {
      storage: { path: `${tmp.dir}/${name}.duckdb`, retention: '36500d' },
      alerts: {
        dashboardUrl: 'https://driftwatch.example.com',
        channels,
        routes: [{ channels: channels.map((c) => (c as { name: string }).name) }],
        ...SETTINGS,
      },
      // Fed through HTTP ingest (no source): no Kafka needed.
      models: [{ name: 'paged', baseline, minRows: 100 }],
    },
    `${name}.yaml`,
  );
  return loadConfig(path, { ...ENV, ...env });
}

/** One check with alerts of the window `events` holds; returns what it queued. */
async function check(store: Store, config: DriftwatchConfig, file: string, rows: number, offsetBase: number, now: number) {
  store.close();
  await storeEvents(config.storage.path, 'paged', baseline, csvEvents(file), now - 1000, offsetBase);
  const reopened = await Store.open(config.storage.path);
  const result = await checkModel(reopened.db, config.models[0]!, readProfile(baseline), config.alerts, {
    window: { kind: 'events', count: rows },
    notify: true,
    now,
  });
  return { store: reopened, result };
}

describe('paging and chat channels through the outbox', { timeout: 180_000 }, () => {
  it('a drifted check triggers PagerDuty, creates an Opsgenie alert and posts a Teams card; the clean check resolves and closes them with the same keys', async () => {
    const pd = await new WebhookReceiver([PD_ACCEPTED, PD_ACCEPTED]).start();
    const og = await new WebhookReceiver([OG_QUEUED, OG_QUEUED]).start();
    const teams = await new WebhookReceiver([202, 202]).start();
    const config = configFor(
      'lifecycle',
      [
        { name: 'pager', type: 'pagerduty', routingKey: '${TEST_PD_KEY}', url: pd.url, source: 'driftwatch-e2e' },
        { name: 'genie', type: 'opsgenie', apiKey: '${TEST_OG_KEY}', url: og.origin },
        { name: 'teams', type: 'webhook', format: 'teams', url: '${TEST_TEAMS_URL}' },
      ],
      { TEST_TEAMS_URL: teams.url },
    );
    const channels = createChannels(config.alerts);
    let store = await Store.open(config.storage.path);
    try {
      let now = Date.now();
      const fired = await check(store, config, 'synthetic_current.csv', 3000, 0, now);
      store = fired.store;
      assert.equal(fired.result.report.status, 'drift');
      assert.equal(fired.result.queued.length, 3, 'one notification per channel');
      const deliverer = new Deliverer(store.db, channels, config.alerts, logger);
      assert.deepEqual(await deliverer.deliverDue(now), { delivered: 3, retried: 0, dead: 0 });

      const trigger = JSON.parse(pd.requests[0]!.body);
      assert.deepEqual(pagerDutyEventCheck()(trigger), []);
      assert.equal(trigger.event_action, 'trigger');
      assert.equal(trigger.routing_key, ENV.TEST_PD_KEY);
      assert.match(trigger.payload.summary, /^\[driftwatch\] FIRING paged: \d+ drifted \(/);
      assert.equal(trigger.payload.source, 'driftwatch-e2e');
      assert.deepEqual(trigger.links, [{ href: 'https://driftwatch.example.com/models/paged', text: 'driftwatch: paged' }]);
      const create = JSON.parse(og.requests[0]!.body);
      assert.equal(og.requests[0]!.url, '/v2/alerts');
      assert.equal(og.requests[0]!.headers.authorization, `GenieKey ${ENV.TEST_OG_KEY}`);
      assert.deepEqual(opsgenieCheck('CreateAlertPayload')(create), []);
      const card = JSON.parse(teams.requests[0]!.body);
      assert.deepEqual(teamsMessageCheck()(card), []);
      assert.match(card.attachments[0].content.body[0].text, /^FIRING paged: /);

      // The drift goes away: the next check resolves the group on every channel.
      now += 60_000;
      const cleared = await check(store, config, 'synthetic_baseline.csv', 4000, 100_000, now);
      store = cleared.store;
      assert.equal(cleared.result.report.status, 'ok');
      assert.equal(cleared.result.queued.length, 3);
      const again = new Deliverer(store.db, channels, config.alerts, logger);
      assert.deepEqual(await again.deliverDue(now), { delivered: 3, retried: 0, dead: 0 });

      const resolve = JSON.parse(pd.requests[1]!.body);
      assert.deepEqual(pagerDutyEventCheck()(resolve), []);
      assert.deepEqual(
        resolve,
        { routing_key: ENV.TEST_PD_KEY, event_action: 'resolve', dedup_key: trigger.dedup_key },
        'the resolve closes the trigger',
      );
      assert.equal(og.requests[1]!.url, `/v2/alerts/${create.alias}/close?identifierType=alias`, 'closed by the alias it was created with');
      assert.deepEqual(opsgenieCheck('CloseAlertPayload')(JSON.parse(og.requests[1]!.body)), []);
      const resolvedCard = JSON.parse(teams.requests[1]!.body);
      assert.deepEqual(teamsMessageCheck()(resolvedCard), []);
      assert.match(resolvedCard.attachments[0].content.body[0].text, /^RESOLVED paged: /);
      assert.deepEqual(await outboxCounts(store.db), { pending: 0, delivered: 6, dead: 0, superseded: 0 });
      assert.deepEqual([pd.requests.length, og.requests.length, teams.requests.length], [2, 2, 2], 'nothing sent twice');
    } finally {
      store.close();
      await Promise.all([pd.stop(), og.stop(), teams.stop()]);
    }
  });

  it('PagerDuty answering 429 then 202: retried after the back-off and delivered once', async () => {
    const pd = await new WebhookReceiver([PD_THROTTLED, PD_ACCEPTED]).start();
    const config = configFor('throttled', [{ name: 'pager', type: 'pagerduty', routingKey: '${TEST_PD_KEY}', url: pd.url }], {});
    let store = await Store.open(config.storage.path);
    try {
      const now = Date.now();
      ({ store } = await check(store, config, 'synthetic_current.csv', 3000, 0, now));
      const deliverer = new Deliverer(store.db, createChannels(config.alerts), config.alerts, logger);
      assert.deepEqual(await deliverer.deliverDue(now), { delivered: 0, retried: 1, dead: 0 }, '429: kept for a retry');
      const [waiting] = (await listOutbox(store.db, { status: 'pending', limit: 10, offset: 0 })).items;
      assert.match(waiting?.lastError ?? '', /^channel 'pager': HTTP 429 .*\(retriable\)$/);
      assert.deepEqual(await deliverer.deliverDue(now + 500), { delivered: 0, retried: 0, dead: 0 }, 'not before its back-off (1s)');
      assert.deepEqual(await deliverer.deliverDue(now + 1000), { delivered: 1, retried: 0, dead: 0 });
      assert.deepEqual(await deliverer.deliverDue(now + 60_000), { delivered: 0, retried: 0, dead: 0 });
      assert.equal(pd.requests.length, 2);
      assert.equal(pd.delivered().length, 1, 'delivered once');
      assert.equal(pd.requests[0]!.body, pd.requests[1]!.body, 'the retry is the same event');
      const [done] = (await listOutbox(store.db, { status: 'delivered', limit: 10, offset: 0 })).items;
      assert.equal(done?.attempts, 2);
    } finally {
      store.close();
      await pd.stop();
    }
  });

  it('PagerDuty answering 400: the event is kept as dead with its error, never retried, the key not in it', async () => {
    const pd = await new WebhookReceiver([PD_INVALID]).start();
    const config = configFor('invalid', [{ name: 'pager', type: 'pagerduty', routingKey: '${TEST_PD_KEY}', url: pd.url }], {});
    let store = await Store.open(config.storage.path);
    try {
      const now = Date.now();
      ({ store } = await check(store, config, 'synthetic_current.csv', 3000, 0, now));
      const deliverer = new Deliverer(store.db, createChannels(config.alerts), config.alerts, logger);
      assert.deepEqual(await deliverer.deliverDue(now), { delivered: 0, retried: 0, dead: 1 });
      assert.deepEqual(await deliverer.deliverDue(now + 3_600_000), { delivered: 0, retried: 0, dead: 0 }, 'never retried');
      assert.equal(pd.requests.length, 1);
      const { total, items } = await listOutbox(store.db, { status: 'dead', limit: 10, offset: 0 });
      assert.equal(total, 1);
      assert.equal(items[0]?.attempts, 1);
      assert.match(items[0]?.lastError ?? '', /^channel 'pager': HTTP 400 .*invalid event.*\(permanent\)$/);
      assert.ok(!(items[0]?.lastError ?? '').includes(ENV.TEST_PD_KEY));
    } finally {
      store.close();
      await pd.stop();
    }
  });
});
