// TLS on the API (api.tls), against a real `driftwatch serve` and real TLS clients (node:https, and
// the CLI's remote client), with a CA, server and client certificates made here by the machine's
// openssl: HTTPS verifies with the CA and not without it, plain HTTP to the port fails, mutual TLS
// refuses a client without a certificate (or with one of another CA) and accepts one with it, the
// health checks answer probes without one, `check --config` works through it, and a missing,
// foreign or locked file stops start-up with exit 2 and a sentence naming it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readApiTls } from '../src/api/tls.js';
import { ApiConfig } from '../src/config/api.js';
import { runCli, tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { csvEvents } from './helpers/samples.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const OPENSSL = process.env.OPENSSL_PATH ?? 'openssl';
const SKIP = spawnSync(OPENSSL, ['version'], { encoding: 'utf8' }).status === 0 ? false : `no ${OPENSSL} on PATH to make certificates`;
if (SKIP) console.log(`# skipped: ${SKIP}`);

const TOKENS = {
  read: 'read-token-tls-0123456789abcdef',
  ingest: 'ingest-token-tls-0123456789abcdef',
  admin: 'admin-token-tls-0123456789abcdef',
};
const TOKENS_ENV = {
  DRIFTWATCH_API_TOKENS: Object.entries(TOKENS)
    .map(([scope, token]) => `${scope}:${token}`)
    .join(','),
};
const PASSPHRASE = 'correct horse battery staple';

const tmp = tempDir('driftwatch-api-tls-');
const file = (name: string) => join(tmp.dir, name);

function openssl(...args: string[]): void {
  const r = spawnSync(OPENSSL, args, { cwd: tmp.dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** openssl req's arguments for a new P-256 key, unencrypted. */
const NEW_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'.split(' ');

/** A key and a certificate for `cn` signed by the CA `ca` (valid 2 days), with the extensions `ext`. */
function certificate(name: string, cn: string, ca: string, ext: string): void {
  openssl('req', '-new', ...NEW_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  writeFileSync(file(`${name}.ext`), `${ext}\n`);
  const sign = `x509 -req -CAcreateserial -days 2 -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -out ${name}.pem -extfile ${name}.ext`;
  openssl(...sign.split(' '));
}

function makeCertificates(): void {
  for (const ca of ['ca', 'other-ca']) {
    const extensions = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
    openssl(
      'req',
      '-x509',
      ...NEW_KEY,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=driftwatch test ${ca}`,
      ...extensions,
    );
  }
  certificate('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  certificate('client', 'driftwatch-cli', 'ca', 'extendedKeyUsage=clientAuth');
  certificate('rogue', 'rogue-client', 'other-ca', 'extendedKeyUsage=clientAuth');
  openssl('pkey', '-in', 'server.key', '-aes256', '-passout', `pass:${PASSPHRASE}`, '-out', 'server-locked.key');
}

interface Answer {
  status: number;
  body: string;
}

/** One request with node:https (or node:http for a plain one), with the given trust and client certificate. */
function call(
  url: string,
  options: { ca?: string; cert?: string; key?: string; token?: string; method?: string; body?: unknown; plain?: boolean } = {},
): Promise<Answer> {
  const pem = (name?: string) => (name ? readFileSync(file(name), 'utf8') : undefined);
  const headers = {
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
  };
  return new Promise((resolve, reject) => {
    const done = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const method = options.method ?? 'GET';
    const req = options.plain
      ? httpRequest(url, { method, headers }, done)
      : httpsRequest(
          url,
          {
            method,
            headers,
            ...(options.ca ? { ca: pem(options.ca) } : {}),
            ...(options.cert ? { cert: pem(options.cert), key: pem(options.key) } : {}),
          },
          done,
        );
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

/** A port free now (the remote CLI needs api.port set, not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let baseline: string;
const tls = (extra: Record<string, unknown> = {}) => ({ cert: file('server.pem'), key: file('server.key'), ...extra });
const config = (name: string, api: Record<string, unknown>) =>
  writeConfig(
    tmp.dir,
    {
      api: { port: 0, ...api },
      storage: { path: file(`${name}.duckdb`), retention: '36500d' },
      models: [{ name: 'tls-model', baseline, minRows: 100 }],
    },
    `${name}.yaml`,
  );

before(() => {
  if (SKIP) return;
  makeCertificates();
});
after(() => tmp.cleanup());

describe('TLS on the API', { skip: SKIP, timeout: 180_000 }, () => {
  before(async () => {
    baseline = await testBaseline(tmp.dir, 'tls-model');
  });

  it('serves HTTPS that verifies with the CA, not without it; plain HTTP to the port fails; the CLI checks through it', async () => {
    const port = await freePort();
    const path = config('https', { port, tls: tls() });
    const serve = await ServeProcess.start(path, 1, TOKENS_ENV);
    try {
      const base = serve.apiUrl();
      assert.equal(base, `https://127.0.0.1:${port}`);
      assert.match(serve.lines.find((l) => /API listening/.test(l))!, /"tls":"server certificate"/);

      const health = await call(`${base}/healthz`, { ca: 'ca.pem' });
      assert.equal(health.status, 200);
      await assert.rejects(call(`${base}/healthz`), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i, 'not trusted without the CA');
      await assert.rejects(call(`http://127.0.0.1:${port}/healthz`, { plain: true }), /socket hang up|ECONNRESET|EPROTO/);

      const events = csvEvents('synthetic_current.csv').slice(0, 300);
      const post = await call(`${base}/api/v1/models/tls-model/events`, {
        ca: 'ca.pem',
        token: TOKENS.ingest,
        method: 'POST',
        body: events,
      });
      assert.equal(post.status, 200, post.body);
      assert.equal((JSON.parse(post.body) as { stored: number }).stored, 300);

      // The CLI's remote client: trusts the private CA through DRIFTWATCH_API_CA, and says what to set without it.
      const cliEnv = { DRIFTWATCH_API_TOKEN: TOKENS.admin };
      const checked = await runCli(['check', '--config', path, '--model', 'tls-model', '--window', 'events:300'], {
        env: { ...cliEnv, DRIFTWATCH_API_CA: file('ca.pem') },
      });
      assert.equal(checked.code, 0, checked.stderr);
      assert.match(checked.stderr, /checking inside it through its API/);
      assert.equal((JSON.parse(checked.stdout) as { window: { rows: number } }).window.rows, 300);
      const untrusted = await runCli(['check', '--config', path, '--model', 'tls-model', '--window', 'events:300'], { env: cliEnv });
      assert.equal(untrusted.code, 2);
      assert.match(untrusted.stderr, /its certificate does not verify \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): set DRIFTWATCH_API_CA/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  it("with ca and requestClientCert: no certificate or another CA's is refused, ours accepted; health checks answer probes", async () => {
    const port = await freePort();
    const path = config('mtls', { port, tls: tls({ ca: file('ca.pem'), requestClientCert: true }) });
    const serve = await ServeProcess.start(path, 1, TOKENS_ENV);
    try {
      const base = serve.apiUrl();
      assert.match(serve.lines.find((l) => /API listening/.test(l))!, /"tls":"mutual \(client certificates required\)"/);
      const models = `${base}/api/v1/models`;

      const bare = await call(models, { ca: 'ca.pem', token: TOKENS.read });
      assert.equal(bare.status, 401);
      assert.deepEqual(JSON.parse(bare.body), {
        error: 'client_certificate_required',
        message: 'this API requires a client certificate signed by its api.tls.ca (mutual TLS)',
      });
      const rogue = await call(models, { ca: 'ca.pem', cert: 'rogue.pem', key: 'rogue.key', token: TOKENS.read });
      assert.equal(rogue.status, 401);
      assert.match(
        JSON.parse(rogue.body).message,
        /^the client certificate does not verify against api.tls.ca \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/,
      );
      const dashboard = await call(`${base}/`, { ca: 'ca.pem' });
      assert.equal(dashboard.status, 401, 'the dashboard too');

      const accepted = await call(models, { ca: 'ca.pem', cert: 'client.pem', key: 'client.key', token: TOKENS.read });
      assert.equal(accepted.status, 200, accepted.body);
      assert.deepEqual(
        (JSON.parse(accepted.body) as { items: { name: string }[] }).items.map((m) => m.name),
        ['tls-model'],
      );
      const noToken = await call(models, { ca: 'ca.pem', cert: 'client.pem', key: 'client.key' });
      assert.equal(noToken.status, 401, 'a certificate is not a token: both are needed');

      assert.equal((await call(`${base}/healthz`, { ca: 'ca.pem' })).status, 200);
      const ready = await call(`${base}/readyz`, { ca: 'ca.pem' });
      assert.equal(ready.status, 200, ready.body);
      assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });

      const cliEnv = { DRIFTWATCH_API_TOKEN: TOKENS.admin, DRIFTWATCH_API_CA: file('ca.pem') };
      const args = ['quarantine', '--config', path, '--model', 'tls-model'];
      const withCert = await runCli(args, {
        env: { ...cliEnv, DRIFTWATCH_API_CLIENT_CERT: file('client.pem'), DRIFTWATCH_API_CLIENT_KEY: file('client.key') },
      });
      assert.equal(withCert.code, 0, withCert.stderr);
      const withoutCert = await runCli(args, { env: cliEnv });
      assert.equal(withoutCert.code, 2);
      assert.match(
        withoutCert.stderr,
        /answered 401 .*requires a client certificate.*set DRIFTWATCH_API_CLIENT_CERT and DRIFTWATCH_API_CLIENT_KEY/,
      );
      const half = await runCli(args, { env: { ...cliEnv, DRIFTWATCH_API_CLIENT_CERT: file('client.pem') } });
      assert.equal(half.code, 2);
      assert.match(half.stderr, /set both DRIFTWATCH_API_CLIENT_CERT and DRIFTWATCH_API_CLIENT_KEY/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  it('an encrypted key opens with DRIFTWATCH_API_TLS_KEY_PASSPHRASE', async () => {
    const path = config('locked', { tls: tls({ key: file('server-locked.key') }) });
    const locked = await runCli(['serve', '--config', path], { env: TOKENS_ENV });
    assert.equal(locked.code, 2);
    assert.match(
      locked.stderr,
      /api\.tls\.key: cannot open the private key in '.*server-locked\.key' \(an encrypted key needs its passphrase in DRIFTWATCH_API_TLS_KEY_PASSPHRASE\)/,
    );
    const serve = await ServeProcess.start(path, 1, { ...TOKENS_ENV, DRIFTWATCH_API_TLS_KEY_PASSPHRASE: PASSPHRASE });
    try {
      assert.equal((await call(`${serve.apiUrl()}/healthz`, { ca: 'ca.pem' })).status, 200);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  it('a missing, foreign or wrong file stops serve (exit 2) and config validate, naming the setting and the file', async () => {
    writeFileSync(file('not-a-cert.pem'), 'hello\n');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['missing-cert', tls({ cert: file('nope.pem') }), /api\.tls\.cert: cannot read '.*nope\.pem': ENOENT/],
      ['not-pem', tls({ cert: file('not-a-cert.pem') }), /api\.tls\.cert: '.*not-a-cert\.pem' holds no PEM certificate/],
      [
        'wrong-key',
        tls({ key: file('client.key') }),
        /api\.tls\.key: the key in '.*client\.key' is not the key of the certificate in '.*server\.pem'/,
      ],
      ['missing-ca', tls({ ca: file('nope-ca.pem'), requestClientCert: true }), /api\.tls\.ca: cannot read '.*nope-ca\.pem'/],
      ['no-ca', tls({ requestClientCert: true }), /api\.tls\.ca: requestClientCert needs ca/],
      ['ca-alone', tls({ ca: file('ca.pem') }), /api\.tls\.requestClientCert: ca is the CA of client certificates/],
    ];
    for (const [name, settings, pattern] of cases) {
      const path = config(name, { tls: settings });
      const serve = await runCli(['serve', '--config', path], { env: TOKENS_ENV });
      assert.equal(serve.code, 2, `${name}: ${serve.stderr}`);
      assert.match(serve.stderr, pattern, name);
      assert.doesNotMatch(serve.stderr, /\n\s+at /, `${name}: no stack trace`);
      assert.doesNotMatch(serve.stderr, /API listening|model ingest started/, `${name}: nothing started`);
      const validate = await runCli(['config', 'validate', '--config', path], { env: TOKENS_ENV });
      assert.equal(validate.code, 2, `${name}: config validate`);
      assert.match(validate.stderr, pattern, `${name}: config validate`);
    }
  });

  it('refuses a certificate that is expired or not valid yet (readApiTls at another time)', () => {
    const settings = ApiConfig.parse({ tls: tls() }).tls!;
    assert.ok(readApiTls(settings, {}).cert);
    const day = 24 * 3600 * 1000;
    assert.throws(
      () => readApiTls(settings, {}, Date.now() + 3 * day),
      /api\.tls\.cert: the certificate in '.*server\.pem' expired on \d{4}-/,
    );
    assert.throws(() => readApiTls(settings, {}, Date.now() - day), /is not valid before \d{4}-/);
  });
});
