import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DeliveryError } from '../../types.js';
import type { Alert, Notification } from '../../../contracts/alert.js';
import { type SlackMessage, slackMessage } from '../../../render/chat/slack.js';
import { type TeamsMessage, teamsMessage } from '../../../render/chat/teams.js';
import { teamsMessageCheck } from '../../../../test/helpers/service-schemas.js';
import { HttpDeliveryError, classifyHttpStatus, retryAfterMs, teamsWrappedStatus } from '../http-status.js';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  WebhookChannel,
  signPayload,
  verifySignature,
  webhookPayload,
  type WebhookChannelOptions,
  type WebhookPayload,
} from './webhook.js';

// ---------------------------------------------------------------------------------------------
// Fake notifications.
// ---------------------------------------------------------------------------------------------

function alert(feature: string, severity: Alert['severity'] = 'critical'): Alert {
  return {
    fingerprint: `fp-${feature}`,
    labels: { model: 'fraud', feature, kind: 'drift' },
    status: 'firing',
    severity,
    summary: `PSI 0.31 > 0.1 and ks p = 2e-9 < 0.01`,
    stats: { psi: 0.31, ks: { statistic: 0.2, pvalue: 2e-9 }, wasserstein_norm: 0.4 },
    startsAt: '2024-05-01T11:00:05.000Z',
  };
}

function fakeNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'dlv-42',
    version: 1,
    status: 'firing',
    model: 'fraud',
    alerts: [alert('amount'), alert('merchant_country', 'warning')],
    window: { start: '2024-05-01T10:00:00.000Z', end: '2024-05-01T11:00:00.000Z', rows: 12345 },
    reportId: 'rep-1',
    dashboardUrl: 'https://driftwatch.example.com/models/fraud',
    // Webhooks do not send features and bins; the email does.
    features: [],
    schema: { missing: [], unexpected: [], anomalies: [] },
    createdAt: '2024-05-01T11:00:07.000Z',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// A real HTTP receiver on 127.0.0.1.
// ---------------------------------------------------------------------------------------------

interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The body exactly as received: what a receiver must verify the signature against. */
  raw: Buffer;
}

type Handler = (req: ReceivedRequest, res: ServerResponse) => void;

interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** What the next requests get (default: 200 "ok"). */
  respond(handler: Handler): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let handler: Handler = (_req, res) => res.end('ok');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) };
      requests.push(received);
      handler(received, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Requests left hanging by the timeout test would keep the server open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SECRET = 'whsec_test_0123456789';
// A Slack-style URL: the path is the credential, so it must not show up in errors.
const TOKEN_PATH = '/hooks/T000/B000/XXXXSECRETXXXX';

function channel(receiver: Receiver, options: Partial<WebhookChannelOptions> = {}): WebhookChannel {
  return new WebhookChannel({
    name: 'ops-webhook',
    url: `${receiver.url}${TOKEN_PATH}`,
    secret: SECRET,
    format: 'json',
    timeoutMs: 2000,
    ...options,
  });
}

async function sendExpectingError(ch: WebhookChannel, notification = fakeNotification()): Promise<HttpDeliveryError> {
  try {
    await ch.send(notification);
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `expected a DeliveryError, got ${String(error)}`);
    assert.ok(error instanceof HttpDeliveryError);
    assert.ok(!error.message.includes('XXXXSECRETXXXX'), `the URL's token leaked: ${error.message}`);
    assert.ok(!error.message.includes(SECRET), 'the secret leaked');
    return error;
  }
  assert.fail('send succeeded, expected a DeliveryError');
}

// ---------------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------------

describe('WebhookChannel, JSON contract', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.respond((_req, res) => res.end('ok'));
  });
  after(() => receiver.close());

  it('posts the contract payload with the contract headers on 200', async () => {
    const notification = fakeNotification();
    await channel(receiver).send(notification);
    assert.equal(receiver.requests.length, 1);
    const req = receiver.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, TOKEN_PATH);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.match(req.headers['user-agent'] ?? '', /^driftwatch\/\d+\.\d+\.\d+/);
    assert.equal(req.headers[DELIVERY_HEADER], 'dlv-42');
    const body = JSON.parse(req.raw.toString('utf8')) as WebhookPayload;
    assert.deepEqual(body, webhookPayload(notification));
    assert.deepEqual(Object.keys(body), [
      'version',
      'status',
      'model',
      'alerts',
      'window',
      'reportId',
      'dashboardUrl',
      'deliveryId',
      'createdAt',
      'state',
      'title',
      'changes',
      'supersedes',
    ]);
    assert.deepEqual(Object.keys(body.alerts[0]!), [
      'fingerprint',
      'feature',
      'kind',
      'severity',
      'status',
      'summary',
      'stats',
      'startsAt',
      'endsAt',
    ]);
    assert.deepEqual(body.alerts[0], {
      fingerprint: 'fp-amount',
      feature: 'amount',
      kind: 'drift',
      severity: 'critical',
      status: 'firing',
      summary: 'PSI 0.31 > 0.1 and ks p = 2e-9 < 0.01',
      stats: { psi: 0.31, ks: { statistic: 0.2, pvalue: 2e-9 }, wasserstein_norm: 0.4 },
      startsAt: '2024-05-01T11:00:05.000Z',
      endsAt: null,
    });
    assert.equal(body.deliveryId, 'dlv-42');
  });

  it('signs the raw body: verifies with the secret, not with another secret, a tampered body or a stale time', async () => {
    await channel(receiver).send(fakeNotification());
    const req = receiver.requests[0]!;
    const header = req.headers[SIGNATURE_HEADER];
    assert.match(String(header), /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifySignature(SECRET, header, req.raw), true);
    assert.equal(verifySignature('another-secret', header, req.raw), false);
    const tampered = Buffer.from(req.raw.toString('utf8').replace('"fraud"', '"fraud2"'));
    assert.equal(verifySignature(SECRET, header, tampered), false);
    const t = Number(/t=(\d+)/.exec(String(header))?.[1]);
    assert.equal(verifySignature(SECRET, header, req.raw, { now: (t + 301) * 1000 }), false, 'older than 5 minutes');
    assert.equal(verifySignature(SECRET, header, req.raw, { now: (t - 301) * 1000 }), false, 'from the future');
    assert.equal(verifySignature(SECRET, header, req.raw, { now: (t + 299) * 1000 }), true);
    assert.equal(verifySignature(SECRET, header, req.raw, { now: (t + 3600) * 1000, toleranceSeconds: 7200 }), true);
  });

  it('keeps the same X-Driftwatch-Delivery on every send of one notification', async () => {
    const ch = channel(receiver);
    const notification = fakeNotification({ id: 'dlv-same' });
    await ch.send(notification);
    await ch.send(notification);
    await ch.send(fakeNotification({ id: 'dlv-other' }));
    assert.deepEqual(
      receiver.requests.map((r) => r.headers[DELIVERY_HEADER]),
      ['dlv-same', 'dlv-same', 'dlv-other'],
    );
  });

  it('sends names with markup and quotes as data', async () => {
    const name = '<script>alert("x")</script> "quotes" \'single\' & \u2028';
    await channel(receiver).send(fakeNotification({ alerts: [alert(name)] }));
    const body = JSON.parse(receiver.requests[0]!.raw.toString('utf8')) as WebhookPayload;
    assert.equal(body.alerts[0]?.feature, name);
  });

  it('adds configured headers but never lets them replace a contract header', async () => {
    const ch = channel(receiver, {
      headers: { Authorization: 'Bearer abc', 'X-Driftwatch-Delivery': 'forged', 'Content-Type': 'text/plain' },
    });
    await ch.send(fakeNotification());
    const req = receiver.requests[0]!;
    assert.equal(req.headers.authorization, 'Bearer abc');
    assert.equal(req.headers[DELIVERY_HEADER], 'dlv-42');
    assert.equal(req.headers['content-type'], 'application/json');
  });

  for (const status of [500, 502, 503, 408, 429]) {
    it(`is retriable on ${status}`, async () => {
      receiver.respond((_req, res) => {
        res.statusCode = status;
        res.end('busy');
      });
      const error = await sendExpectingError(channel(receiver));
      assert.equal(error.retriable, true);
      assert.equal(error.status, status);
      assert.match(error.message, new RegExp(`ops-webhook.*HTTP ${status}.*busy`));
    });
  }

  it('passes on Retry-After from a 503', async () => {
    receiver.respond((_req, res) => {
      res.writeHead(503, { 'Retry-After': '7' });
      res.end();
    });
    const error = await sendExpectingError(channel(receiver));
    assert.equal(error.retriable, true);
    assert.equal(error.retryAfterMs, 7000);
  });

  for (const status of [400, 401, 404, 410]) {
    it(`is permanent on ${status}`, async () => {
      receiver.respond((_req, res) => {
        res.statusCode = status;
        res.end('invalid_payload');
      });
      const error = await sendExpectingError(channel(receiver));
      assert.equal(error.retriable, false);
      assert.equal(error.status, status);
    });
  }

  it('does not follow redirects (permanent: the URL needs fixing)', async () => {
    receiver.respond((req, res) => {
      if (req.path === '/elsewhere') return void res.end('ok');
      res.writeHead(301, { Location: '/elsewhere' });
      res.end();
    });
    const error = await sendExpectingError(channel(receiver));
    assert.equal(error.retriable, false);
    assert.equal(receiver.requests.length, 1, 'the redirect target was not called');
  });

  it('is retriable when the receiver does not answer in time', async () => {
    receiver.respond(() => {
      // Never answers.
    });
    const started = Date.now();
    const error = await sendExpectingError(channel(receiver, { timeoutMs: 200 }));
    assert.equal(error.retriable, true);
    assert.match(error.message, /timeout/);
    assert.ok(Date.now() - started < 1500, 'gave up at the timeout');
  });

  it('is retriable when nothing listens', async () => {
    const gone = await startReceiver();
    await gone.close();
    const error = await sendExpectingError(channel(gone));
    assert.equal(error.retriable, true);
    assert.match(error.message, /ECONNREFUSED/);
  });
});

describe('WebhookChannel, Slack format', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  // What the message says is pinned by src/render/chat/slack.test.ts; here, that the channel posts it.
  it('posts the Slack message of the notification, unsigned, with the delivery header', async () => {
    const ch = channel(receiver, { format: 'slack', secret: undefined, name: 'team-slack' });
    const notification = fakeNotification({ alerts: [alert('amount'), alert('<!channel> & co', 'warning')] });
    await ch.send(notification);
    const req = receiver.requests.at(-1)!;
    assert.equal(req.headers[SIGNATURE_HEADER], undefined, 'no secret, no signature');
    assert.equal(req.headers[DELIVERY_HEADER], 'dlv-42');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.raw.toString('utf8')) as SlackMessage, slackMessage(notification));
  });
});

describe('WebhookChannel, Teams format', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());
  const teams = () => channel(receiver, { format: 'teams', secret: undefined, name: 'team-teams' });
  // A Microsoft 365 connector's refusal: HTTP 200, the real status in the body (MicrosoftDocs/msteams-docs#7425).
  const refusal = (status: number) =>
    `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${status} with ContextId tcid=0,server=msgapi-production,cv=abc.0..`;

  // What the card says is pinned by src/render/chat/teams.test.ts; here, that the channel posts it.
  it('posts the Teams message of the notification (the card valid against the Adaptive Card schema), unsigned', async () => {
    receiver.respond((_req, res) => res.writeHead(202).end());
    const notification = fakeNotification();
    await teams().send(notification);
    const req = receiver.requests.at(-1)!;
    assert.equal(req.headers[SIGNATURE_HEADER], undefined);
    assert.equal(req.headers[DELIVERY_HEADER], 'dlv-42');
    const body = JSON.parse(req.raw.toString('utf8')) as TeamsMessage;
    assert.deepEqual(body, teamsMessage(notification));
    assert.deepEqual(teamsMessageCheck()(body), []);
  });

  it('is delivered on a connector\'s 200 "1"', async () => {
    receiver.respond((_req, res) => res.end('1'));
    await teams().send(fakeNotification());
  });

  it('reads the status a connector wraps in a 200: 429 is retried, 413 and 400 are permanent', async () => {
    for (const [status, retriable] of [
      [429, true],
      [413, false],
      [400, false],
    ] as const) {
      receiver.respond((_req, res) => res.end(refusal(status)));
      const error = await sendExpectingError(teams());
      assert.equal(error.retriable, retriable, error.message);
      assert.equal(error.status, status);
      assert.match(error.message, new RegExp(`HTTP ${status} \\(in the body of HTTP 200\\)`));
    }
  });

  it('reads no status into the 200 of the other formats', async () => {
    receiver.respond((_req, res) => res.end(refusal(429)));
    await channel(receiver, { format: 'slack', secret: undefined }).send(fakeNotification());
  });
});

describe('WebhookChannel configuration', () => {
  it('needs a secret for the JSON format', () => {
    assert.throws(
      () => new WebhookChannel({ name: 'w', url: 'https://example.com/hook', format: 'json', timeoutMs: 1000 }),
      /needs a secret/,
    );
  });

  it('refuses URLs that are not http(s), without repeating them', () => {
    assert.throws(
      () => new WebhookChannel({ name: 'w', url: 'not a url/TOKEN123', secret: 's', format: 'json', timeoutMs: 1000 }),
      (error: Error) => /not a valid absolute URL/.test(error.message) && !error.message.includes('TOKEN123'),
    );
    assert.throws(
      () => new WebhookChannel({ name: 'w', url: 'file:///etc/passwd', secret: 's', format: 'json', timeoutMs: 1000 }),
      /http: or https:/,
    );
  });

  it('does not show the secret or the URL when inspected or logged', async () => {
    const ch = new WebhookChannel({
      name: 'w',
      url: 'https://hooks.example.com/TOKEN123',
      secret: SECRET,
      format: 'json',
      timeoutMs: 1000,
    });
    const { inspect } = await import('node:util');
    for (const shown of [inspect(ch, { depth: 5 }), JSON.stringify(ch)]) {
      assert.ok(!shown.includes(SECRET) && !shown.includes('TOKEN123'), shown);
    }
  });
});

describe('signPayload / verifySignature', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 (a known vector)', () => {
    // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
    assert.equal(
      signPayload('secret', '{"a":1}', 1700000000),
      't=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686',
    );
    assert.equal(signPayload('secret', Buffer.from('{"a":1}'), 1700000000), signPayload('secret', '{"a":1}', 1700000000));
  });

  it('accepts any of several v1 signatures (secret rotation) and rejects malformed headers', () => {
    const body = '{"a":1}';
    const now = 1700000000_000;
    const t = 1700000000;
    const good = signPayload('new', body, t).split(',')[1];
    const old = signPayload('old', body, t).split(',')[1];
    assert.equal(verifySignature('new', `t=${t},${old},${good}`, body, { now }), true);
    for (const header of ['', 'v1=abc', `t=${t}`, `t=x,${good}`, `t=${t},v1=zz`, undefined, ['a']]) {
      assert.equal(verifySignature('new', header as string | undefined, body, { now }), false, String(header));
    }
  });
});

describe('classifyHttpStatus / retryAfterMs', () => {
  it('classifies statuses', () => {
    const cases: Array<[number, string]> = [
      [200, 'ok'],
      [201, 'ok'],
      [204, 'ok'],
      [299, 'ok'],
      [301, 'permanent'],
      [302, 'permanent'],
      [400, 'permanent'],
      [401, 'permanent'],
      [403, 'permanent'],
      [404, 'permanent'],
      [410, 'permanent'],
      [422, 'permanent'],
      [408, 'retry'],
      [429, 'retry'],
      [500, 'retry'],
      [502, 'retry'],
      [503, 'retry'],
      [504, 'retry'],
      [599, 'retry'],
      [100, 'permanent'],
      [600, 'permanent'],
    ];
    for (const [status, expected] of cases) assert.equal(classifyHttpStatus(status), expected, String(status));
  });

  it('reads the status a Teams connector wraps in the body of a 200', () => {
    assert.equal(
      teamsWrappedStatus('Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId x'),
      429,
    );
    assert.equal(teamsWrappedStatus('Webhook message delivery failed with error: something else'), 500);
    assert.equal(teamsWrappedStatus('1'), undefined);
    assert.equal(teamsWrappedStatus(''), undefined);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-01T11:00:00Z');
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs(' 0 ', now), 0);
    assert.equal(retryAfterMs('2024', now), 2_024_000, 'digits are seconds, never a year');
    assert.equal(retryAfterMs('Wed, 01 May 2024 11:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Wed, 01 May 2024 10:00:00 GMT', now), 0, 'a past date means now');
    for (const bad of [null, undefined, '', '1.5', '-3', 'soon']) {
      assert.equal(retryAfterMs(bad, now), undefined, String(bad));
    }
  });
});
