// Secrets never reach logs or error bodies, and no request makes driftwatch fetch a URL.
// A real `driftwatch serve` runs with API tokens, an SMTP password, a webhook secret, a webhook
// URL that is itself a credential (as Slack's are) and a SASL password, all from the environment,
// at debug level. Then everything fails: bad tokens, an SMTP server (STARTTLS + AUTH) that refuses
// the password, a webhook that answers 500, a Kafka broker that does not speak SASL. Every line of
// stdout/stderr and every HTTP body is searched for each secret.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { fixtureEvents } from './helpers/api-harness.js';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { BROKER } from './helpers/kafka.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const SECRETS = {
  readToken: 'read-tok-6d1f0c9a2b7e4f3a',
  ingestToken: 'ingest-tok-8e2a4c6b0d9f1e3c',
  adminToken: 'admin-tok-3b5d7f9a1c2e4f60',
  smtpPassword: 'smtp-pw-5a7c9e1b3d2f4a6c',
  webhookSecret: 'hook-secret-1f3e5d7c9b2a4e6f',
  webhookUrlToken: 'T0KEN-in-url-4c2e6a8b0d1f3e5a',
  saslPassword: 'sasl-pw-9a8b7c6d5e4f3a2b',
};
/** What a client presents that is wrong: it must not be echoed either. */
const PRESENTED = ['bad-token-presented-7e6d5c4b3a2f', 'Bearer-lookalike-0a1b2c3d4e5f6a7b'];

/** A self-signed certificate for 127.0.0.1 (Node makes keys, not certificates). */
function certificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-sec-tls-'));
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
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('security: no secret in logs or error bodies; no user-supplied URL is fetched', { timeout: 180_000 }, () => {
  const tmp = tempDir('driftwatch-secrets-');
  let smtp: SMTPServer;
  let smtpPort = 0;
  const smtpAuth: { secure: boolean; ok: boolean }[] = [];
  let hook: Server;
  const hookRequests: IncomingMessage[] = [];
  let serve: ServeProcess;
  const bodies: string[] = [];

  const call = async (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, headers, ...rest } = init;
    const response = await fetch(`${serve.apiUrl()}${path}`, {
      ...rest,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string> | undefined) },
    });
    const text = await response.text();
    // The body and the headers the server chose (not the request, which holds what the test sent).
    bodies.push(`${response.status}: ${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('; ')} ${text}`);
    return { status: response.status, text };
  };

  before(async () => {
    const { key, cert } = certificate();
    smtp = new SMTPServer({
      key,
      cert,
      logger: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, session, callback) {
        smtpAuth.push({ secure: session.secure, ok: auth.password === 'the-real-password' });
        if (!session.secure) return callback(new Error('AUTH before STARTTLS'));
        return auth.password === 'the-real-password'
          ? callback(null, { user: auth.username })
          : callback(Object.assign(new Error('invalid credentials'), { responseCode: 535 }));
      },
      onData(stream, _s, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    hook = createServer((req, res) => {
      hookRequests.push(req);
      req.resume();
      req.on('end', () =>
        res.writeHead(500).end(`receiver broke; it saw ${req.headers['x-driftwatch-signature'] ? 'a signature' : 'none'}`),
      );
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const hookPort = (hook.address() as AddressInfo).port;

    const baseline = await testBaseline(tmp.dir, 'secrets');
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER], sasl: { mechanism: 'plain', username: 'dw', password: '${KAFKA_PASSWORD}' }, connectionTimeout: '2s' },
      storage: { path: join(tmp.dir, 'store.duckdb') },
      alerts: {
        maxAttempts: 2,
        initialBackoff: '1s',
        maxBackoff: '1s',
        repeatInterval: '1h',
        channels: [
          {
            name: 'mail',
            type: 'email',
            smtpUrl: '${SMTP_URL}',
            from: 'dw@example.com',
            to: ['ops@example.com'],
            requireTLS: true,
            rejectUnauthorized: false,
          },
          { name: 'hook', type: 'webhook', url: '${HOOK_URL}', secret: '${WEBHOOK_SECRET}', timeout: '2s' },
        ],
        routes: [{ channels: ['mail', 'hook'] }],
      },
      models: [
        // Fed over HTTP; its alerts go to both channels, which fail.
        { name: 'web', baseline, minRows: 50 },
        // Reads Kafka with SASL from a broker that has no SASL listener: its start fails.
        { name: 'kaf', baseline, source: { topics: ['secrets-topic'], sessionTimeout: '6s' } },
      ],
    });
    serve = await ServeProcess.start(config, 1, {
      DRIFTWATCH_LOG_LEVEL: 'debug',
      DRIFTWATCH_API_TOKENS: `read:${SECRETS.readToken},ingest:${SECRETS.ingestToken},admin:${SECRETS.adminToken}`,
      SMTP_URL: `smtp://driftwatch:${SECRETS.smtpPassword}@127.0.0.1:${smtpPort}`,
      HOOK_URL: `http://127.0.0.1:${hookPort}/hook/${SECRETS.webhookUrlToken}`,
      WEBHOOK_SECRET: SECRETS.webhookSecret,
      KAFKA_PASSWORD: SECRETS.saslPassword,
    });
  });

  after(async () => {
    await serve?.stop();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve()));
    tmp.cleanup();
  });

  it('fails everywhere it can, then no secret is in any log line or body', async () => {
    // Bad and missing tokens, a token of the wrong scope, tokens in odd places.
    for (const token of PRESENTED) assert.equal((await call('/api/v1/models', { token })).status, 401);
    assert.equal(
      (await call('/api/v1/models', { headers: { authorization: `Basic ${Buffer.from(`u:${PRESENTED[0]}`).toString('base64')}` } })).status,
      401,
    );
    assert.equal((await call(`/api/v1/models?token=${PRESENTED[0]}`)).status, 401);
    assert.equal((await call('/api/v1/models/web/checks', { method: 'POST', token: SECRETS.readToken })).status, 403);
    assert.equal(
      (
        await call('/api/v1/models/web/events', {
          method: 'POST',
          token: SECRETS.ingestToken,
          headers: { 'content-type': 'application/json' },
          body: `[{"features": ${JSON.stringify(PRESENTED[1])}`,
        })
      ).status,
      400,
    );

    // Drifted events and a check: one notification per channel, both of which fail.
    const events = fixtureEvents('synthetic_current.csv', 400);
    const ingest = await call('/api/v1/models/web/events', {
      method: 'POST',
      token: SECRETS.ingestToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(ingest.status, 200, ingest.text);
    const check = await call('/api/v1/models/web/checks', { method: 'POST', token: SECRETS.adminToken });
    assert.equal(check.status, 201, check.text);
    assert.equal(JSON.parse(check.text).drift, true);

    // Both deliveries end dead (SMTP 535 is permanent; the webhook's 500 is retried once).
    const deadline = Date.now() + 60_000;
    let dead: { channel: string; lastError: string }[] = [];
    while (dead.length < 2) {
      if (Date.now() > deadline) throw new Error(`deliveries not dead: ${bodies.slice(-1)}`);
      await new Promise((r) => setTimeout(r, 500));
      const outbox = await call('/api/v1/outbox?status=dead', { token: SECRETS.readToken });
      dead = JSON.parse(outbox.text).items;
    }
    const errors = Object.fromEntries(dead.map((d) => [d.channel, d.lastError]));
    assert.match(errors.mail!, /535/);
    assert.match(errors.hook!, /HTTP 500/);
    assert.ok(smtpAuth.length > 0 && smtpAuth.every((a) => a.secure), 'AUTH only after STARTTLS');
    assert.ok(hookRequests.length >= 1);
    // The dashboard and models page show the failed model's error too.
    await call('/api/v1/models', { token: SECRETS.readToken });
    await call('/api/v1/models/kaf', { token: SECRETS.readToken });
    await call('/readyz');
    await call('/metrics', { token: SECRETS.readToken });
    await call('/api/v1/openapi.json', { token: SECRETS.readToken });
    await serve.waitForLog(/model not started|authentication|SASL/i, 30_000);

    const everything = [...serve.lines, ...bodies].join('\n');
    for (const [name, secret] of Object.entries(SECRETS))
      assert.ok(
        !everything.includes(secret),
        `${name} leaked:\n${[...serve.lines, ...bodies]
          .filter((l) => l.includes(secret))
          .join('\n')
          .slice(0, 1000)}`,
      );
    for (const presented of PRESENTED)
      assert.ok(
        !everything.includes(presented),
        `a presented token was echoed: ${[...serve.lines, ...bodies]
          .filter((l) => l.includes(presented))
          .join('\n')
          .slice(0, 1000)}`,
      );
    assert.ok(!everything.includes(Buffer.from(`u:${PRESENTED[0]}`).toString('base64')), 'the Authorization header is never logged');
    assert.ok(
      serve.lines.some((l) => /"level":20/.test(l)),
      'debug logging was on',
    );
  });

  it('webhook URLs come only from the configuration: no route takes a URL to fetch', async () => {
    const { text } = await call('/api/v1/openapi.json', { token: SECRETS.readToken });
    const doc = JSON.parse(text);
    const inputs: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.format === 'uri' || record.format === 'url') inputs.push(path);
      for (const [key, value] of Object.entries(record)) walk(value, `${path}/${key}`);
    };
    for (const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, { parameters?: { name: string; schema?: unknown }[]; requestBody?: unknown }>>,
    )) {
      for (const [method, op] of Object.entries(methods)) {
        walk(op.requestBody, `${method} ${path} body`);
        for (const p of op.parameters ?? []) {
          assert.doesNotMatch(p.name, /url|uri|href|callback|webhook|endpoint/i, `${method} ${path} takes a parameter '${p.name}'`);
          walk(p.schema, `${method} ${path} ${p.name}`);
        }
        assert.doesNotMatch(
          JSON.stringify(op.requestBody ?? {}),
          /"(url|uri|href|callback|webhook|endpoint)"/i,
          `${method} ${path} has a URL-like body field`,
        );
      }
    }
    assert.deepEqual(inputs, [], 'no input is a URL');
    // A URL in a body where one might be tried is refused, and nothing is fetched.
    const before = hookRequests.length;
    const attempt = await call('/api/v1/alerts/0123456789abcdef/silence', {
      method: 'POST',
      token: SECRETS.adminToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ until: '2030-01-01T00:00:00Z', url: `${serve.apiUrl()}/nope`, webhook: 'http://127.0.0.1:1/' }),
    });
    assert.ok(attempt.status >= 400 && attempt.status < 500, attempt.text);
    assert.equal(hookRequests.length, before);
  });
});
