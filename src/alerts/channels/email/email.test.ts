import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { FeatureReport } from '../../../contracts/report.js';
import { DeliveryError } from '../../types.js';
import type { Alert, Notification } from '../../../contracts/alert.js';
import { EmailChannel } from './email.js';
import { emailSubject, fillTemplate, renderEmail } from './render.js';

// ---------------------------------------------------------------------------------------------
// Fake notifications.
// ---------------------------------------------------------------------------------------------

function numericFeature(name: string, severity: number, shift: number): FeatureReport {
  const edges = [10, 20, 35, 50, 80, 120, 200, 400, 1000];
  const baseline = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
  const current = baseline.map((b, i) => Math.max(0, b + (i < 5 ? -shift : shift)));
  const total = current.reduce((s, x) => s + x, 0);
  return {
    name,
    kind: 'numeric',
    drift: true,
    stats: {
      psi: 0.42,
      ks: { statistic: 0.21, pvalue: 3.1e-12, method: 'asymp' },
      wasserstein_norm: 0.38,
      jensen_shannon: 0.19,
    },
    reasons: ['drift: PSI 0.42 > 0.1 and ks p = 3.1e-12 < 0.00333 (alpha 0.01 / 3 features)'],
    severity,
    baseline: { rows: 20000, count: 20000, nulls: 0, nonFinite: 0, min: 0.5, max: 3000, mean: 130, std: 210 },
    current: { rows: 12345, count: 12300, nulls: 45, nonFinite: 0, min: 0.4, max: 5200, mean: 190, std: 320 },
    bins: {
      labels: [
        '(-inf, 10]',
        '(10, 20]',
        '(20, 35]',
        '(35, 50]',
        '(50, 80]',
        '(80, 120]',
        '(120, 200]',
        '(200, 400]',
        '(400, 1000]',
        '(1000, +inf)',
      ],
      edges,
      baseline,
      current: current.map((x) => x / total),
    },
  };
}

function categoricalFeature(name: string): FeatureReport {
  return {
    name,
    kind: 'categorical',
    drift: true,
    stats: { psi: 0.31, chi2: { statistic: 412.5, pvalue: 1e-80, dof: 6 }, jensen_shannon: 0.14, linf: 0.09 },
    reasons: ['drift: PSI 0.31 > 0.1 and chi2 p = 1e-80 < 0.00333 (alpha 0.01 / 3 features)'],
    severity: 1.24,
    baseline: { rows: 20000, count: 20000, nulls: 0, nonFinite: 0 },
    current: { rows: 12345, count: 12345, nulls: 0, nonFinite: 0 },
    bins: {
      labels: ['US', 'GB', 'DE', 'FR', 'NL', '(other)', '(unseen)'],
      baseline: [0.4, 0.2, 0.15, 0.1, 0.08, 0.07, 0],
      current: [0.31, 0.22, 0.16, 0.1, 0.09, 0.071, 0.049],
    },
  };
}

function driftAlert(feature: string, severity: Alert['severity'], summary: string): Alert {
  return {
    fingerprint: `fp-${feature}`,
    labels: { model: 'fraud', feature, kind: 'drift' },
    status: 'firing',
    severity,
    summary,
    stats: { psi: 0.42, ks: { statistic: 0.21, pvalue: 3.1e-12 } },
    startsAt: '2024-05-01T11:00:05.000Z',
  };
}

/** A firing notification: two critical drifted features, one warning, a schema alert and schema findings. */
function fakeNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'dlv-0001',
    version: 1,
    status: 'firing',
    model: 'fraud',
    alerts: [
      driftAlert('<b>x</b>', 'warning', 'PSI 0.18 > 0.1 and ks p = 2e-5 < 0.00333'),
      driftAlert('merchant_country', 'critical', 'PSI 0.31 > 0.1 and chi2 p = 1e-80 < 0.00333'),
      driftAlert('amount', 'critical', 'PSI 0.42 > 0.1 and ks p = 3.1e-12 < 0.00333'),
      {
        fingerprint: 'fp-schema-age',
        labels: { model: 'fraud', feature: 'age', kind: 'schema' },
        status: 'firing',
        severity: 'warning',
        summary: 'null share 12% (baseline 0.5%)',
        startsAt: '2024-05-01T11:00:05.000Z',
      },
    ],
    window: { start: '2024-05-01T10:00:00.000Z', end: '2024-05-01T11:00:00.000Z', rows: 12345 },
    reportId: 'rep-2024-05-01T11-fraud',
    dashboardUrl: 'https://driftwatch.example.com/models/fraud?report=rep-2024-05-01T11-fraud',
    features: [numericFeature('<b>x</b>', 1.1, 0.02), categoricalFeature('merchant_country'), numericFeature('amount', 1.3, 0.06)],
    schema: {
      missing: ['device_id'],
      unexpected: ['colour'],
      anomalies: [
        { feature: 'age', kind: 'null_share', message: 'null share 12% vs 0.5% in the baseline', share: 0.12, baselineShare: 0.005 },
        {
          feature: 'merchant_country',
          kind: 'unseen_categories',
          message: '3 categories not in the baseline',
          share: 0.049,
          examples: ['XK', 'ZZ', '<script>'],
        },
      ],
    },
    createdAt: '2024-05-01T11:00:07.000Z',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// A real SMTP server on 127.0.0.1.
// ---------------------------------------------------------------------------------------------

interface Received {
  raw: Buffer;
  mail: ParsedMail;
  secure: boolean;
  user: string | undefined;
  envelopeTo: string[];
}

interface TestSmtp {
  port: number;
  messages: Received[];
  close(): Promise<void>;
}

async function startSmtp(options: SMTPServerOptions = {}): Promise<TestSmtp> {
  const messages: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            messages.push({
              raw,
              mail,
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function channelFor(port: number, extra: Partial<ConstructorParameters<typeof EmailChannel>[0]> = {}): EmailChannel {
  return new EmailChannel({
    name: 'oncall-email',
    smtpUrl: `smtp://127.0.0.1:${port}`,
    from: 'driftwatch <driftwatch@example.com>',
    to: ['oncall@example.com', 'ml-team@example.com'],
    timeoutMs: 5000,
    ...extra,
  });
}

async function sendExpectingError(channel: EmailChannel, notification: Notification): Promise<DeliveryError> {
  try {
    await channel.send(notification);
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `expected a DeliveryError, got ${String(error)}`);
    return error;
  } finally {
    channel.close();
  }
  assert.fail('send succeeded, expected a DeliveryError');
}

// ---------------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------------

describe('EmailChannel over plain SMTP', () => {
  let smtp: TestSmtp;
  let message: Received;
  before(async () => {
    smtp = await startSmtp();
    const channel = channelFor(smtp.port);
    try {
      await channel.send(fakeNotification());
    } finally {
      channel.close();
    }
    assert.equal(smtp.messages.length, 1, 'one send gives one message');
    message = smtp.messages[0]!;
  });
  after(() => smtp.close());

  it('sends to every recipient with the contract subject', () => {
    assert.deepEqual(message.envelopeTo, ['oncall@example.com', 'ml-team@example.com']);
    assert.equal(message.mail.subject, '[driftwatch] FIRING fraud: 3 drifted (amount, merchant_country, <b>x</b>)');
  });

  it('marks the delivery so duplicates are detectable', () => {
    assert.equal(message.mail.headers.get('x-driftwatch-delivery'), 'dlv-0001');
    assert.equal(message.mail.messageId, '<driftwatch.dlv-0001@example.com>');
  });

  it('has an HTML part with every drifted feature, escaped', () => {
    const html = message.mail.html;
    assert.ok(typeof html === 'string');
    for (const name of ['amount', 'merchant_country', '&lt;b&gt;x&lt;/b&gt;']) assert.ok(html.includes(name), `HTML shows ${name}`);
    assert.ok(!html.includes('<b>x</b>'), 'a feature name is text, never markup');
    assert.ok(!html.includes('<script>'), 'schema examples are escaped too');
  });

  it('draws the bar charts as table rows, one per bin, with (unseen) highlighted', () => {
    const html = message.mail.html as string;
    const baselineBars = html.match(/bgcolor="#0072b2"/g)?.length ?? 0;
    // 10 + 10 numeric bins and 6 categorical bins with a baseline share (the unseen bin has none).
    assert.equal(baselineBars, 26);
    const currentBars = html.match(/bgcolor="#e69f00"/g)?.length ?? 0;
    assert.ok(currentBars >= 26, `current bars: ${currentBars}`);
    for (const label of ['(-inf, 10]', '(1000, +inf)', 'US', '(other)', '(unseen)']) assert.ok(html.includes(label), `chart row ${label}`);
    assert.match(html, /<tr bgcolor="#fff1d6"[^>]*>\s*<td[^>]*>\(unseen\)<\/td>/);
    assert.ok(html.includes('0% &rarr;'), 'shares are shown as numbers next to the bars');
  });

  it('shows statistics, the summary line, schema findings and the dashboard link', () => {
    const html = message.mail.html as string;
    for (const text of [
      'psi',
      'ks',
      'chi2',
      'wasserstein_norm',
      'jensen_shannon',
      'linf',
      '3.1e-12',
      'PSI 0.31 &gt; 0.1 and chi2 p = 1e-80',
    ]) {
      assert.ok(html.includes(text), `HTML shows ${text}`);
    }
    for (const text of [
      'Missing columns',
      'device_id',
      'Unexpected columns',
      'colour',
      'null_share',
      'unseen_categories',
      '&lt;script&gt;',
    ]) {
      assert.ok(html.includes(text), `schema finding ${text}`);
    }
    assert.ok(html.includes('href="https://driftwatch.example.com/models/fraud?report=rep-2024-05-01T11-fraud"'));
    assert.ok(html.includes('2024-05-01 10:00 – 11:00 UTC'));
    assert.ok(html.includes('12,345'));
  });

  it('has a plain-text part with the same content and no markup', () => {
    const text = message.mail.text;
    assert.ok(text, 'text part present');
    for (const name of [
      'amount',
      'merchant_country',
      '<b>x</b>',
      'device_id',
      'colour',
      'null_share',
      'https://driftwatch.example.com/models/fraud',
    ]) {
      assert.ok(text.includes(name), `text shows ${name}`);
    }
    assert.match(text, /FEATURES\n\s+feature\s+kind\s+drift\s+psi/);
    assert.ok(text.includes('(unseen) 0% -> 4.9%'), 'largest changes line');
    assert.ok(!text.includes('<td'), 'no HTML in the text part');
  });
});

describe('EmailChannel failures', () => {
  it('is retriable when no SMTP server listens', async () => {
    const error = await sendExpectingError(channelFor(await closedPort()), fakeNotification());
    assert.equal(error.retriable, true);
    assert.match(error.message, /oncall-email/);
  });

  it('is permanent when the server answers 550 to the recipients', async () => {
    const smtp = await startSmtp({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      },
    });
    try {
      const error = await sendExpectingError(channelFor(smtp.port), fakeNotification());
      assert.equal(error.retriable, false, error.message);
      assert.match(error.message, /550/);
      assert.equal(smtp.messages.length, 0);
    } finally {
      await smtp.close();
    }
  });

  it('is retriable when the server answers 451 (try again later)', async () => {
    const smtp = await startSmtp({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('greylisted, try again later'), { responseCode: 451 }));
      },
    });
    try {
      const error = await sendExpectingError(channelFor(smtp.port), fakeNotification());
      assert.equal(error.retriable, true, error.message);
    } finally {
      await smtp.close();
    }
  });

  it('delivers to the accepted recipients when the server refuses some', async () => {
    const smtp = await startSmtp({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('ml-team')) callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
        else callback();
      },
    });
    const warnings: unknown[] = [];
    const channel = channelFor(smtp.port, { logger: { warn: (...args: unknown[]) => void warnings.push(args) } });
    try {
      await channel.send(fakeNotification());
      assert.equal(smtp.messages.length, 1);
      assert.deepEqual(smtp.messages[0]?.envelopeTo, ['oncall@example.com']);
      assert.equal(warnings.length, 1, 'the refused recipient is reported');
    } finally {
      channel.close();
      await smtp.close();
    }
  });

  it('refuses a URL that is not smtp(s) without repeating it', () => {
    assert.throws(
      () => new EmailChannel({ name: 'x', smtpUrl: 'http://user:hunter2@host', from: 'a@b.c', to: ['d@e.f'] }),
      (error: Error) => /smtp:\/\/ or smtps:\/\//.test(error.message) && !error.message.includes('hunter2'),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// STARTTLS and AUTH, with a self-signed certificate made for the test.
// ---------------------------------------------------------------------------------------------

/** A self-signed key and certificate for 127.0.0.1 from `openssl`, or undefined when openssl is not installed. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } | undefined {
  // Node can make key pairs (generateKeyPairSync) but not X.509 certificates; openssl can.
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-smtp-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certificate = selfSignedCertificate();
const SKIP_TLS = certificate ? false : 'openssl is not installed: cannot make a certificate for the STARTTLS test';

describe('EmailChannel with STARTTLS and AUTH PLAIN', { skip: SKIP_TLS }, () => {
  const USER = 'driftwatch';
  const PASS = 'p@ss w0rd:/';
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startSmtp({
      key: certificate?.key,
      cert: certificate?.cert,
      disabledCommands: [],
      authOptional: false,
      authMethods: ['PLAIN'],
      onAuth(auth, session, callback) {
        if (!session.secure) return callback(new Error('AUTH before STARTTLS'));
        if (auth.method === 'PLAIN' && auth.username === USER && auth.password === PASS) return callback(null, { user: USER });
        return callback(Object.assign(new Error('invalid username or password'), { responseCode: 535 }));
      },
    });
  });
  after(() => smtp.close());

  const url = (user: string, pass: string) => `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${smtp.port}`;

  it('upgrades the connection, authenticates and delivers', async () => {
    const channel = channelFor(smtp.port, { smtpUrl: url(USER, PASS), requireTLS: true, tls: { rejectUnauthorized: false } });
    try {
      await channel.send(fakeNotification({ id: 'dlv-tls' }));
    } finally {
      channel.close();
    }
    const received = smtp.messages.find((m) => m.mail.headers.get('x-driftwatch-delivery') === 'dlv-tls');
    assert.ok(received, 'message received');
    assert.equal(received.secure, true, 'sent over TLS');
    assert.equal(received.user, USER);
  });

  it('refuses the self-signed certificate unless told otherwise (retriable: a fixed certificate helps)', async () => {
    const channel = channelFor(smtp.port, { smtpUrl: url(USER, PASS), requireTLS: true });
    const error = await sendExpectingError(channel, fakeNotification());
    assert.equal(error.retriable, true, error.message);
  });

  it('is permanent on wrong credentials, and never shows the password', async () => {
    const wrong = 'not-the-password-123';
    const channel = channelFor(smtp.port, { smtpUrl: url(USER, wrong), requireTLS: true, tls: { rejectUnauthorized: false } });
    const error = await sendExpectingError(channel, fakeNotification());
    assert.equal(error.retriable, false, error.message);
    assert.ok(!error.message.includes(wrong), error.message);
    assert.ok(!error.stack?.includes(wrong));
  });
});

// ---------------------------------------------------------------------------------------------
// Subjects and templates (pure).
// ---------------------------------------------------------------------------------------------

describe('emailSubject', () => {
  const alert = (feature: string, kind: Alert['labels']['kind'], status: Alert['status'] = 'firing'): Alert => ({
    fingerprint: `fp-${feature}-${kind}`,
    labels: { model: 'fraud', feature, kind },
    status,
    severity: 'warning',
    summary: '',
    startsAt: '2024-05-01T11:00:00Z',
    ...(status === 'resolved' ? { endsAt: '2024-05-01T12:00:00Z' } : {}),
  });
  const subjectOf = (alerts: Alert[], status: Notification['status'] = 'firing') =>
    emailSubject(fakeNotification({ status, alerts, features: [] }));

  it('lists up to three drifted features, then an ellipsis', () => {
    assert.equal(subjectOf(['a', 'b', 'c', 'd'].map((f) => alert(f, 'drift'))), '[driftwatch] FIRING fraud: 4 drifted (a, b, c, …)');
    assert.equal(subjectOf([alert('a', 'drift')]), '[driftwatch] FIRING fraud: 1 drifted (a)');
  });

  it('counts only firing drift alerts', () => {
    assert.equal(
      subjectOf([alert('a', 'drift'), alert('b', 'drift', 'resolved'), alert('age', 'schema')]),
      '[driftwatch] FIRING fraud: 1 drifted (a)',
    );
  });

  it('uses the kind when no feature drifted', () => {
    assert.equal(subjectOf([alert('*', 'insufficient-data')]), '[driftwatch] FIRING fraud: insufficient data');
    assert.equal(subjectOf([alert('age', 'schema'), alert('colour', 'schema')]), '[driftwatch] FIRING fraud: schema (age, colour)');
  });

  it('counts resolved alerts', () => {
    assert.equal(
      subjectOf([alert('amount', 'drift', 'resolved'), alert('age', 'drift', 'resolved')], 'resolved'),
      '[driftwatch] RESOLVED fraud: 2 resolved (age, amount)',
    );
  });

  it('keeps a feature name with a line break on one line', () => {
    assert.equal(subjectOf([alert('a\r\nBcc: x@y.z', 'drift')]), '[driftwatch] FIRING fraud: 1 drifted (a Bcc: x@y.z)');
  });
});

describe('renderEmail', () => {
  it('inserts data once: a feature named like a placeholder stays text', () => {
    const n = fakeNotification();
    n.features[0]!.name = '{{model}}';
    const { html, text } = renderEmail(n);
    assert.ok(html.includes('{{model}}'));
    assert.ok(text.includes('{{model}}'));
  });

  it('says which placeholders exist when a template names an unknown one', () => {
    assert.throws(() => fillTemplate('{{nope}}', { model: 'x' }), /unknown template placeholder \{\{nope\}\}; known: model/);
  });

  it('renders a resolved notification in green without a severity badge', () => {
    const n = fakeNotification({
      status: 'resolved',
      alerts: [{ ...driftAlert('amount', 'critical', 'PSI 0.02 <= 0.1'), status: 'resolved', endsAt: '2024-05-01T12:00:05Z' }],
      features: [{ ...numericFeature('amount', 0.02, 0.001), drift: false }],
      schema: { missing: [], unexpected: [], anomalies: [] },
    });
    const { subject, html } = renderEmail(n);
    assert.equal(subject, '[driftwatch] RESOLVED fraud: 1 resolved (amount)');
    assert.ok(html.includes('#1d6b48'));
    assert.ok(!html.includes('Schema findings'));
  });

  it('keeps a chart of many categories short: the largest ones, the rest folded, (unseen) kept', () => {
    const labels = [...Array.from({ length: 40 }, (_, i) => `cat${i}`), '(unseen)'];
    // cat0 is the largest, then cat1, ...; shares do not need to sum to 1 for the chart.
    const shares = [...Array.from({ length: 40 }, (_, i) => (40 - i) / 1000), 0];
    const feature: FeatureReport = {
      ...categoricalFeature('city'),
      bins: { labels, baseline: shares, current: [...shares.slice(0, 40), 0.03] },
    };
    const { html } = renderEmail(fakeNotification({ features: [feature], schema: { missing: [], unexpected: [], anomalies: [] } }));
    assert.equal(html.match(/bgcolor="#e69f00"/g)?.length, 20, 'at most 20 rows');
    assert.ok(html.includes('>cat17<') && !html.includes('>cat18<'), 'the 18 largest categories');
    assert.ok(html.includes('22 other categories'));
    assert.ok(html.includes('>(unseen)<'));
  });

  it('links the dashboard only over http(s)', () => {
    const { html } = renderEmail(fakeNotification({ dashboardUrl: 'javascript:alert(1)' }));
    assert.ok(!html.includes('javascript:'));
  });
});
