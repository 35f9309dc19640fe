// Kafka over SASL/PLAIN and over TLS against a real broker configured for them
// (scripts/kafka/start-secure.sh: SASL_PLAINTEXT, SSL and SASL_SSL listeners, a CA made at start).
// Right credentials and the right CA: events are stored. A wrong password: a clear error naming
// authentication and a bounded number of connections, no retry storm. A certificate that does not
// verify: `serve` stops at once with a message saying what to set, instead of minutes of retries.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT, tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { createTopic, produce, uniqueTopic } from './helpers/kafka.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const BASE = Number(process.env.SECURE_KAFKA_PORT ?? 39492);
const SASL = `localhost:${BASE + 2}`;
const SSL = `localhost:${BASE + 3}`;
const SASL_SSL = `localhost:${BASE + 4}`;
const USER = 'driftwatch';
const PASSWORD = 'sasl-secret-7f3a9c0e51d24b68';
/** The reasons of /readyz need a read token. */
const READ_TOKEN = 'read-token-security-kafka-0123456789';
const CA = join(ROOT, '.kafka', `secure-${BASE}`, 'ca.pem');
const ENV = { SECURE_KAFKA_PORT: String(BASE), SECURE_KAFKA_USER: USER, SECURE_KAFKA_PASSWORD: PASSWORD };

/** Runs scripts/kafka/<name> for the secure broker (it starts or stops in a few seconds; jars are cached). */
const script = (name: string) =>
  promisify(execFile)('bash', [join(ROOT, 'scripts', 'kafka', name)], { env: { ...process.env, ...ENV }, timeout: 240_000 });

/** A TCP proxy in front of a broker port that counts the connections clients open through it. */
class CountingProxy {
  connections = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: number) {}
  async start(): Promise<this> {
    this.server = createServer((client) => {
      this.connections++;
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** Runs `driftwatch serve` and collects its output, without waiting for any model to start. */
function spawnServe(config: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'serve', '--config', config], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

const waitFor = async (what: () => boolean, timeoutMs: number, label: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('security: Kafka SASL/PLAIN and TLS against a real broker', { timeout: 300_000 }, () => {
  const tmp = tempDir('driftwatch-kafka-sec-');
  let baseline: string;
  let admin: ReturnType<Kafka['admin']>;
  let producer: ReturnType<Kafka['producer']>;

  before(async () => {
    await script('start-secure.sh');
    baseline = await testBaseline(tmp.dir, 'secure-model');
    const kafka = new Kafka({
      clientId: 'driftwatch-test',
      brokers: [SASL],
      sasl: { mechanism: 'plain', username: USER, password: PASSWORD },
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    producer = kafka.producer();
    await admin.connect();
    await producer.connect();
  });
  after(async () => {
    await producer?.disconnect().catch(() => {});
    await admin?.disconnect().catch(() => {});
    await script('stop-secure.sh').catch(() => {});
    tmp.cleanup();
  });

  const model = (name: string, topic: string) => ({
    name,
    baseline,
    source: { topics: [topic], groupId: `${name}-${topic}`, startFrom: 'earliest', sessionTimeout: '6s' },
    event: { timestamp: 'ts', prediction: 'prediction' },
  });

  for (const [label, kafkaSection] of [
    ['SASL/PLAIN', { brokers: [SASL], sasl: { mechanism: 'plain', username: USER, password: '${KAFKA_PASSWORD}' } }],
    ['TLS with the CA file', { brokers: [SSL], tls: { ca: CA } }],
    [
      'SASL/PLAIN inside TLS',
      { brokers: [SASL_SSL], tls: { ca: CA }, sasl: { mechanism: 'plain', username: '${KAFKA_USER}', password: '${KAFKA_PASSWORD}' } },
    ],
  ] as const) {
    it(`${label}: the right credentials store every event`, async () => {
      const topic = uniqueTopic('secure');
      await createTopic(admin, topic);
      await produce(
        producer,
        topic,
        Array.from({ length: 500 }, (_, i) => goodEvent(i)),
      );
      const store = join(tmp.dir, `${topic}.duckdb`);
      const config = writeConfig(
        tmp.dir,
        { kafka: kafkaSection, storage: { path: store, retention: '36500d' }, models: [model('sec', topic)] },
        `${topic}.yaml`,
      );
      const serve = await ServeProcess.start(config, 1, { KAFKA_PASSWORD: PASSWORD, KAFKA_USER: USER });
      try {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const body = await fetch(`${serve.apiUrl()}/healthz`).then((r) => r.status);
          assert.equal(body, 200);
          const lines = serve.lines.join('\n');
          assert.doesNotMatch(lines, /authentication failed|does not verify/i);
          // The service commits to Kafka after the store; the group's offsets say when all are stored.
          const [offsets] = await admin.fetchOffsets({ groupId: `sec-${topic}`, topics: [topic] });
          const done = (offsets?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
          if (done >= 500) break;
          if (Date.now() > deadline) throw new Error(`only ${done} of 500 committed:\n${serve.lines.slice(-20).join('\n')}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      } finally {
        assert.equal(await serve.stop(), 0);
      }
      const rows = await readStore(store, (db) => db.row('SELECT count(*)::INTEGER AS n FROM samples_sec'));
      assert.equal(rows.n, 500);
      assert.ok(!serve.lines.join('\n').includes(PASSWORD), 'the password is never logged');
    });
  }

  it('a wrong SASL password: an error naming authentication, a few connections, no retry storm', async () => {
    const proxy = await new CountingProxy(BASE + 2).start();
    const topic = uniqueTopic('secure-bad');
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [`127.0.0.1:${proxy.port}`], sasl: { mechanism: 'plain', username: USER, password: '${KAFKA_PASSWORD}' } },
        storage: { path: join(tmp.dir, 'bad-sasl.duckdb') },
        models: [model('badsasl', topic)],
      },
      'bad-sasl.yaml',
    );
    const wrong = 'wrong-password-9d8c7b6a5f4e';
    const serve = spawnServe(config, { KAFKA_PASSWORD: wrong, DRIFTWATCH_LOG_LEVEL: 'info', DRIFTWATCH_API_TOKENS: `read:${READ_TOKEN}` });
    try {
      await waitFor(() => /model not started/.test(serve.output()), 30_000, 'the model to fail');
      const failedAt = proxy.connections;
      // Ten more seconds: a retry loop would keep connecting; the service must not.
      await new Promise((r) => setTimeout(r, 10_000));
      const out = serve.output();
      assert.match(out, /SASL PLAIN authentication failed.*Invalid username or password/);
      assert.ok(proxy.connections <= 3, `${proxy.connections} connections (at most 3 expected)`);
      assert.equal(proxy.connections, failedAt, 'no connection after the failure');
      assert.ok(!out.includes(wrong), 'the password is not in the log');
      assert.equal(serve.child.exitCode, null, 'the service keeps running (its API says why it is not ready)');
      const url = JSON.parse(out.split('\n').find((l) => /API listening/.test(l))!).url as string;
      const ready = await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /authentication failed/);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      await proxy.stop();
    }
  });

  for (const [label, tls, pattern] of [
    [
      'no CA configured (the system CAs)',
      true,
      /kafka\.tls: the certificate of broker .* does not verify \(SELF_SIGNED_CERT_IN_CHAIN.*set kafka\.tls\.ca/,
    ],
    ['a CA file that does not exist', { ca: join(tmp.dir, 'missing-ca.pem') }, /kafka\.tls\.ca: cannot read '.*missing-ca\.pem'/],
  ] as const) {
    it(`TLS with ${label}: serve stops at once with what to fix, no retries`, async () => {
      const proxy = await new CountingProxy(BASE + 3).start();
      const config = writeConfig(
        tmp.dir,
        {
          kafka: { brokers: [`localhost:${proxy.port}`], tls },
          storage: { path: join(tmp.dir, 'bad-tls.duckdb') },
          models: [model('badtls', 'x')],
        },
        'bad-tls.yaml',
      );
      const started = Date.now();
      const serve = spawnServe(config, {});
      try {
        const code = await serve.exited;
        assert.equal(code, 2, serve.output());
        assert.ok(Date.now() - started < 15_000, `stopped after ${Date.now() - started} ms`);
        assert.match(serve.output(), pattern);
        assert.doesNotMatch(serve.output(), /\n\s+at /, 'no stack trace');
        assert.ok(proxy.connections <= 1, `${proxy.connections} connections`);
      } finally {
        serve.child.kill('SIGKILL');
        await proxy.stop();
      }
    });
  }
});
