import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../errors.js';
import { loadConfig, parseConfig, substituteEnv } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'driftwatch-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const minimal = `
kafka:
  brokers: [localhost:9092]
models:
  - name: fraud
    baseline: baselines/fraud/v1.json
    source: { topics: [fraud-requests] }
`;

describe('config', () => {
  it('refuses two model names that differ only by case, dots or dashes (they would share one samples table), naming both', () => {
    for (const [a, b] of [
      ['fraud-v2', 'fraud.v2'],
      ['Fraud', 'fraud'],
      ['fraud_v2', 'fraud-v2'],
    ]) {
      const models = [a, b].map((name) => ({ name, baseline: 'b.json' }));
      assert.throws(
        () => parseConfig({ models }, 'x.yaml', {}),
        (error: Error) =>
          error instanceof UserError &&
          error.message.includes(`'${a}'`) &&
          error.message.includes(`'${b}'`) &&
          /models\[1\]\.name/.test(error.message),
        `${a} and ${b}`,
      );
    }
    assert.doesNotThrow(() =>
      parseConfig(
        {
          models: [
            { name: 'fraud-v2', baseline: 'b.json' },
            { name: 'fraud-v3', baseline: 'b.json' },
          ],
        },
        'x.yaml',
        {},
      ),
    );
  });

  it('fills defaults and resolves paths against the config file', () => {
    const config = loadConfig(file('ok.yaml', minimal));
    const [model] = config.models;
    assert.equal(model!.baseline, join(dir, 'baselines/fraud/v1.json'));
    assert.equal(config.storage.path, join(dir, 'data/driftwatch.duckdb'));
    assert.equal(model!.sampling.rate, 1);
    assert.deepEqual(model!.window, { kind: 'duration', ms: 3_600_000 });
    assert.equal(model!.source!.startFrom, 'latest');
    assert.deepEqual(model!.event.featuresPath, 'features');
  });

  it('substitutes ${VAR} and ${VAR:-default}; a missing variable names where it is used', () => {
    assert.deepEqual(substituteEnv({ a: ['x${A}y', '${B:-dflt}'] }, { A: '1' }), { a: ['x1y', 'dflt'] });
    assert.throws(
      () => substituteEnv({ kafka: { sasl: { password: '${KAFKA_PASSWORD}' } } }, {}),
      /kafka\.sasl\.password: environment variable KAFKA_PASSWORD is not set/,
    );
  });

  it('missing environment variables name the file and every place they are used', () => {
    const path = file(
      'env.yaml',
      `${minimal}alerts:\n  channels:\n    - { name: ops, type: email, smtpUrl: "\${SMTP_URL}", from: a@b.c, to: [ops@b.c] }\n`.replace(
        'fraud-requests',
        '"${TOPIC}"',
      ),
    );
    assert.throws(
      () => loadConfig(path, {}),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /^invalid config '.*env\.yaml': /);
        assert.match(error.message, /models\[0\]\.source\.topics\[0\]: environment variable TOPIC is not set/);
        assert.match(error.message, /alerts\.channels\[0\]\.smtpUrl: environment variable SMTP_URL is not set/);
        return true;
      },
    );
  });

  it('an unknown key names the file, the place and the closest known key', () => {
    const path = file('typo.yaml', `${minimal}    event: { featurePath: request }\n`);
    assert.throws(
      () => loadConfig(path, {}),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(
          error.message,
          /^invalid config '.*typo\.yaml': models\[0\]\.event: Unrecognized key "featurePath": did you mean "featuresPath"\? \(known: featuresPath, features, /,
        );
        return true;
      },
    );
    // In a channel, the keys of its own type (email), case slips included.
    const channel = { name: 'ops', type: 'email', smtpUrl: 'smtp://m:25', from: 'a@b.c', to: ['o@b.c'], requireTls: true, recipients: [] };
    assert.throws(
      () => parseConfig({ models: [{ name: 'm', baseline: 'b' }], alerts: { channels: [channel] } }, 'x.yaml', {}),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /alerts\.channels\[0\]: Unrecognized key "requireTls": did you mean "requireTLS"\?/);
        assert.match(
          error.message,
          /alerts\.channels\[0\]: Unrecognized key "recipients" \(known: name, type, smtpUrl, from, to, requireTLS, rejectUnauthorized\)/,
        );
        return true;
      },
    );
  });

  it('secrets come from the environment', () => {
    const config = parseConfig(
      {
        kafka: { brokers: ['b:9092'], sasl: { mechanism: 'plain', username: 'dw', password: '${PW}' } },
        models: [{ name: 'm', baseline: 'b.json', source: { topics: ['t'] } }],
      },
      'inline',
      { PW: 's3cret' },
    );
    assert.equal(config.kafka!.sasl!.password, 's3cret');
  });

  it('a bad config names the file, each path and the problem', () => {
    const bad = file(
      'bad.yaml',
      `
kafka: { brokers: ["nope"] }
models:
  - name: "bad name"
    baseline: b.json
    source: { topics: [], startFrom: middle }
    window: 1 hour
    sampling: { rate: 1.5 }
    colour: blue
`,
    );
    assert.throws(
      () => loadConfig(bad),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        const m = error.message;
        assert.match(m, /invalid config '.*bad\.yaml'/);
        assert.match(m, /kafka\.brokers\[0\]: expected host:port/);
        assert.match(m, /models\[0\]\.name: letters, digits/);
        assert.match(m, /models\[0\]\.source\.topics: /);
        assert.match(m, /models\[0\]\.source\.startFrom: .*"earliest"|models\[0\]\.source\.startFrom: Invalid option/);
        assert.match(m, /models\[0\]\.window: expected a duration \(1h, 24h\), since-last or events:N; got '1 hour'/);
        assert.match(m, /models\[0\]\.sampling\.rate: /);
        assert.match(m, /models\[0\]: Unrecognized key "colour" \(known: name, baseline, /);
        return true;
      },
    );
  });

  it('invalid YAML names the line; a missing file names the file', () => {
    assert.throws(() => loadConfig(file('broken.yaml', 'models:\n  - name: [unclosed\n')), /not valid YAML at line \d+, column \d+/);
    assert.throws(() => loadConfig(join(dir, 'absent.yaml')), /cannot read config '.*absent\.yaml'/);
  });

  it('duplicate model names and a missing kafka section are refused', () => {
    assert.throws(
      () =>
        parseConfig(
          { kafka: { brokers: ['b:1'] }, models: [1, 2].map(() => ({ name: 'same', baseline: 'b', source: { topics: ['t'] } })) },
          'x',
        ),
      /models\[1\]\.name: duplicate model name 'same'/,
    );
    assert.throws(() => parseConfig({ models: [{ name: 'm', baseline: 'b', source: { topics: ['t'] } }] }, 'x'), /kafka: required/);
  });

  it('sessionTimeout must be within what brokers accept', () => {
    assert.throws(
      () =>
        parseConfig(
          { kafka: { brokers: ['b:1'] }, models: [{ name: 'm', baseline: 'b', source: { topics: ['t'], sessionTimeout: '1s' } }] },
          'x',
        ),
      /models\[0\]\.source\.sessionTimeout: sessionTimeout must be between 6s and 300s/,
    );
  });
});
