// Compressed record batches from a producer that is not kafkajs (issue 15, critical): Kafka's own
// Java console producer, from the broker's jars, writes batches compressed with none, gzip,
// snappy, lz4 and zstd, keyed, so each codec's batches land on all three partitions of the topic;
// `serve` must store every event once, on every partition. kafkajs ships only gzip: before the
// codecs were registered, the first snappy batch failed every Fetch of the broker and nothing after
// it was stored, on any partition.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, testKafka, uniqueTopic } from './helpers/kafka.js';
import { assertStoredOnce, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-codecs-');
after(() => tmp.cleanup());

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PER_CODEC = 200;
const JARS = join(process.env.KAFKA_HOME ?? join(ROOT, '.kafka'), `jars-${process.env.KAFKA_VERSION ?? '3.9.2'}`);

/** Produces key<TAB>value lines with the Java console producer (the Java client's compression). */
function consoleProduce(topic: string, codec: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.env.JAVA ?? 'java',
      [
        '-cp',
        `${JARS}/*`,
        'kafka.tools.ConsoleProducer',
        '--bootstrap-server',
        BROKER,
        '--topic',
        topic,
        '--compression-codec',
        codec,
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=\t',
        '--producer-property',
        'linger.ms=50',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`console producer (${codec}) exited ${code}: ${stderr.slice(-500)}`)),
    );
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

describe('compressed batches from a Java producer', { timeout: 180_000 }, () => {
  it('none, gzip, snappy, lz4 and zstd batches on three partitions: every event stored once, on every partition', async () => {
    assert.ok(existsSync(JARS), `Kafka's jars at ${JARS} (scripts/kafka/start.sh fetches them)`);
    const baseline = await testBaseline(tmp.dir, 'codecs');
    const topic = uniqueTopic('codecs');
    const admin = testKafka().admin();
    await admin.connect();
    await createTopic(admin, topic, 3);
    // Snappy first: the batch that stopped the consumer, with plain and gzip ones behind it.
    for (const [c, codec] of ['snappy', ...CODECS.filter((x) => x !== 'snappy')].entries()) {
      const lines = Array.from({ length: PER_CODEC }, (_, i) => {
        const e = goodEvent(c * PER_CODEC + i);
        return `${e.key}\t${e.value}`;
      });
      await consoleProduce(topic, codec, lines);
    }
    const total = CODECS.length * PER_CODEC;
    const store = `${tmp.dir}/codecs.duckdb`;
    const config = writeConfig(tmp.dir, {
      api: { port: 0, metricsPublic: true },
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      models: [
        {
          name: 'codecs',
          baseline,
          source: { topics: [topic], startFrom: 'earliest', sessionTimeout: '6s', fetch: { storeInterval: '1s' } },
          event: { timestamp: 'ts' },
        },
      ],
    });
    const serve = await ServeProcess.start(config, 1);
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const metrics = await fetch(`${serve.apiUrl()}/metrics`).catch(() => null);
        if (
          metrics?.ok &&
          new RegExp(`driftwatch_events_consumed_total\\{[^}]*model="codecs"[^}]*\\} ${total}\\b`).test(await metrics.text())
        )
          break;
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    assert.ok(!serve.lines.some((l) => /not implemented/i.test(l)), 'no codec is missing');
    await assertStoredOnce(store, 'codecs', total);
    // The Java producer hashes the keys over all three partitions: each holds part of every codec's events.
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    assert.equal(ends.length, 3);
    for (const p of ends) assert.ok(Number(p.high) > 100, `partition ${p.partition} holds ${p.high} events`);
  });
});
