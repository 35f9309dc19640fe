// Hostile input, property-based (fast-check, seeded): whatever driftwatch.yaml holds (random
// text, broken YAML, a valid file with one value replaced by junk, deep nesting, prototype keys,
// huge strings) the loader returns a config or throws a UserError that names the file and the
// path at fault. Never another error, never a stack trace, never a polluted prototype.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { UserError } from '../src/errors.js';

// Seeded, so a failure reproduces; FUZZ_SEED=<n> explores other inputs.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);
const dir = mkdtempSync(join(tmpdir(), 'driftwatch-fuzz-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { KAFKA_PASSWORD: 'pw-0123456789', SMTP_URL: 'smtp://u:p@127.0.0.1:2525', HOOK_SECRET: 'hook-secret-0123456789' };

/** A config with every section filled, so a mutation can hit any kind of field. */
const VALID = {
  kafka: {
    brokers: ['localhost:9092'],
    clientId: 'dw',
    tls: { ca: 'ca.pem', rejectUnauthorized: true },
    sasl: { mechanism: 'plain', username: 'dw', password: '${KAFKA_PASSWORD}' },
    connectionTimeout: '5s',
  },
  storage: { path: './data/x.duckdb', retention: '7d', retentionEvery: '1h', quarantineKeep: 10, memoryLimit: '256MB' },
  api: { port: 0, host: '127.0.0.1', metricsPublic: false, bodyLimit: '1mb', uploadLimit: '10mb', ingestRateLimit: 10 },
  alerts: {
    repeatInterval: '4h',
    criticalPsi: 0.25,
    maxAttempts: 3,
    initialBackoff: '1s',
    maxBackoff: '1m',
    channels: [
      { name: 'mail', type: 'email', smtpUrl: '${SMTP_URL}', from: 'dw@example.com', to: ['ops@example.com'], requireTLS: true },
      { name: 'hook', type: 'webhook', url: 'https://example.com/hook', secret: '${HOOK_SECRET}', format: 'json', timeout: '5s' },
    ],
    routes: [{ models: ['*'], severities: ['critical'], kinds: ['drift'], channels: ['mail', 'hook'] }],
  },
  models: [
    {
      name: 'fraud',
      baseline: 'b.json',
      source: { topics: ['t'], groupId: 'g', startFrom: 'earliest', maxMessageBytes: 1000, sessionTimeout: '30s' },
      event: { featuresPath: 'request', features: { country: 'request.geo.country' }, timestamp: 'ts', prediction: 'out.p', id: 'id' },
      sampling: { rate: 0.5, by: 'key' },
      window: '1h',
      minRows: 10,
      schedule: { cron: '*/5 * * * *', timezone: 'UTC' },
      report: { cron: '0 8 * * *', period: '24h', channels: ['mail'] },
    },
  ],
};

type Path = (string | number)[];

/** Every path of the object, leaves and branches. */
function paths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))].filter((p) => p.length > 0);
}
const ALL_PATHS = paths(VALID);

function withValue(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/** How formatZodError writes a path: models[0].window */
const formatPath = (path: Path) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'brokers', 'models', 'name'),
  fc.string({ maxLength: 10 }),
);
const junk = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '',
      '${UNSET_VAR}',
      '${KAFKA_PASSWORD}',
      '1 hour',
      '-5s',
      'NaN',
      'Infinity',
      '1e400',
      '0',
      'true',
      'null',
      "'; DROP TABLE offsets; --",
      '../../etc/passwd',
      'x'.repeat(100_000),
    ),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 3 }),
  ),
})).value;

function assertUserError(error: unknown, source: string): asserts error is UserError {
  assert.ok(error instanceof UserError, `a UserError, not ${(error as Error)?.name}: ${(error as Error)?.message?.slice(0, 300)}`);
  assert.ok(error.message.includes(source) || /environment variable/.test(error.message), error.message);
  assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
  assert.ok(error.message.length < 4000, 'a message a person reads, not a dump');
}

describe('fuzz: config loader', () => {
  it('the valid config loads (the mutations start from a good file)', () => {
    const config = parseConfig(VALID, 'valid', ENV);
    assert.equal(config.kafka!.sasl!.password, ENV.KAFKA_PASSWORD);
  });

  it('one value replaced by junk: a config, or a UserError naming that path', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_PATHS), junk, (path, value) => {
        let error: unknown;
        try {
          parseConfig(withValue(VALID, path, value), 'fuzz.yaml', ENV);
          return;
        } catch (e) {
          error = e;
        }
        assertUserError(error, 'fuzz.yaml');
        // The path at fault, or the part of it the schema could still follow (a union, a record).
        const prefix = formatPath(path.slice(0, Math.min(2, path.length)));
        const references = [
          prefix,
          ...(path[0] === 'alerts' ? ['alerts.routes', 'models[0].report'] : []),
          ...(path[0] === 'models' ? ['models'] : []),
        ];
        assert.ok(
          references.some((p) => error.message.includes(p)) || /environment variable/.test(error.message),
          `'${formatPath(path)}' replaced by ${JSON.stringify(value)?.slice(0, 80)}: ${error.message.slice(0, 400)}`,
        );
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('random and broken YAML files: a config or a UserError naming the file', () => {
    const text = stringify(VALID);
    const mutated = fc
      .array(
        fc.record({
          at: fc.nat(text.length),
          cut: fc.nat(5),
          insert: fc.string({
            maxLength: 4,
            unit: fc.constantFrom(':', '-', ' ', '\n', '[', '{', '"', "'", '&', '*', '!', '#', '%', '|', '>', '\t', 'x', '1'),
          }),
        }),
        { minLength: 1, maxLength: 4 },
      )
      .map((edits) => edits.reduce((t, e) => t.slice(0, e.at) + e.insert + t.slice(e.at + e.cut), text));
    let n = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), mutated), (content) => {
        const file = join(dir, `random-${n++}.yaml`);
        writeFileSync(file, content);
        try {
          loadConfig(file, ENV);
        } catch (error) {
          assertUserError(error, file);
        }
      }),
      { seed: SEED, numRuns: 800 },
    );
  });

  it('deep nesting, YAML alias bombs, huge files and prototype keys are refused by name', () => {
    const cases: [string, string][] = [
      ['deep-flow.yaml', `models: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`],
      [
        'deep-block.yaml',
        `kafka:\n  brokers: [a:1]\nmodels:\n  - name: m\n    baseline: b\n    source: {topics: [t]}\n    event:\n      features:\n        x: ${'['.repeat(5_000)}1${']'.repeat(5_000)}\n`,
      ],
      [
        'aliases.yaml',
        `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`,
      ],
      [
        'proto.yaml',
        `__proto__: { polluted: true }\nconstructor: { prototype: { polluted: true } }\nkafka: { brokers: [a:1], __proto__: { x: 1 } }\nmodels: [{ name: m, baseline: b, source: { topics: [t] } }]\n`,
      ],
      [
        'huge.yaml',
        `kafka: { brokers: [a:1], clientId: "${'x'.repeat(5_000_000)}" }\nmodels: [{ name: "${'m'.repeat(1000)}", baseline: b, source: { topics: [t] } }]\n`,
      ],
      ['nul.yaml', 'kafka:\0\n'],
      [
        'latin1.yaml',
        Buffer.from(
          'kafka: { brokers: [a:1], clientId: "caf\xe9" }\nmodels: [{ name: m, baseline: b, source: { topics: [t] } }]\n',
          'latin1',
        ).toString('latin1'),
      ],
    ];
    for (const [name, content] of cases) {
      const file = join(dir, name);
      writeFileSync(file, content, name === 'latin1.yaml' ? 'latin1' : 'utf8');
      try {
        loadConfig(file, ENV);
      } catch (error) {
        assertUserError(error, file);
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    const proto = join(dir, 'proto.yaml');
    assert.throws(() => loadConfig(proto, ENV), /Unrecognized key/);
  });

  it('junk objects as the whole file: a UserError, and Object.prototype is never touched', () => {
    fc.assert(
      fc.property(junk, (value) => {
        try {
          parseConfig(value, 'whole.yaml', ENV);
        } catch (error) {
          assertUserError(error, 'whole.yaml');
        }
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
