// The store invalidated under the service: the DuckDB file sits on a tmpfs with room for the
// write-ahead log but not for the checkpoint DuckDB runs when the log reaches 16 MB. The failed
// checkpoint is fatal to DuckDB (every later statement answers "database has been invalidated"),
// so `serve` says so and exits 2 (an error) for a supervisor to restart it. Restarted with space
// back, it resumes from the last commit: every event stored once.
// Needs root (mount); elsewhere it is skipped with the reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, produce, testKafka, uniqueTopic, waitForGroupCaughtUp } from './helpers/kafka.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-fault-invalidated-');
const disk = `${tmp.dir}/disk`;
/** Room for a 16 MB log, not for the blocks its checkpoint writes. */
const DISK_SIZE = process.env.INVALIDATE_DISK_SIZE ?? '18m';
let mounted = false;
let skip: string | false = false;

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

before(() => {
  mkdirSync(disk, { recursive: true });
  try {
    mount(['-t', 'tmpfs', '-o', `size=${DISK_SIZE}`, 'tmpfs', disk]);
    mounted = true;
  } catch (error) {
    skip = `cannot mount a small tmpfs to fill (needs root): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
    process.stderr.write(`# skipped: ${skip}\n`);
  }
});
after(() => {
  if (mounted) execFileSync('umount', ['-l', disk]);
  tmp.cleanup();
});

describe('store invalidated by a failed checkpoint', { timeout: 300_000 }, () => {
  it('exits 2 naming the cause, and a restart resumes from the last commit with every event stored once', async (t) => {
    if (skip) return t.skip(skip);
    const kafka = testKafka();
    const admin: Admin = kafka.admin();
    const producer: Producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      const baseline = await testBaseline(tmp.dir, 'fault-invalid');
      const topic = uniqueTopic('fault-invalid');
      const group = `invalid-${topic}`;
      await createTopic(admin, topic, 3);
      const total = 400_000;
      await produce(producer, topic, Array.from({ length: total }, (_, i) => goodEvent(i)));
      const store = `${disk}/driftwatch.duckdb`;
      const config = writeConfig(tmp.dir, {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [{ name: 'inval', baseline, source: { topics: [topic], groupId: group, startFrom: 'earliest', sessionTimeout: '10s' }, event: { timestamp: 'ts' } }],
      }, 'invalid.yaml');

      const first = await ServeProcess.start(config, 1);
      const code = await first.waitForExit(180_000);
      const fatal = first.lines.find((l) => /"msg":"the store is invalidated/.test(l));
      const df = execFileSync('df', ['-h', disk]).toString().split('\n')[1];
      process.stderr.write(`# first run exited ${code}; df: ${df}\n`);
      assert.ok(fatal, `the service names the invalidated store:\n${first.lines.slice(-20).join('\n')}`);
      assert.match(JSON.parse(fatal).err, /invalidated|checkpoint/i);
      assert.equal(code, 2, 'exit 2: an error, which a supervisor restarts on');
      assert.ok(first.lines.some((l) => /"msg":"stopped"/.test(l)), 'it stopped through the normal path (consumers stopped, store closed)');

      mount(['-o', 'remount,size=256m', disk]);
      const second = await ServeProcess.start(config, 1);
      try {
        await waitForGroupCaughtUp(admin, group, topic, 180_000);
      } finally {
        assert.equal(await second.stop(), 0);
      }
      const rows = await readStore(store, async (db) => ({
        total: await db.row(`SELECT count(*)::INTEGER AS n, count(DISTINCT (_partition, _offset))::INTEGER AS d FROM samples_inval`),
        partitions: await db.rows(`SELECT o."partition" AS p, o.next_offset::INTEGER AS next, (SELECT count(*)::INTEGER FROM samples_inval s WHERE s._partition = o."partition") AS n FROM offsets o WHERE model = 'inval' ORDER BY 1`),
        consumed: Number((await db.row(`SELECT value FROM ingest_counts WHERE model = 'inval' AND counter = 'consumed'`)).value),
      }));
      assert.deepEqual(rows.total, { n: total, d: total }, 'every event stored once');
      for (const p of rows.partitions) assert.equal(p.n, p.next, `partition ${p.p}: rows == next_offset`);
      assert.equal(rows.consumed, total, 'the consumed counter counted each event once');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
