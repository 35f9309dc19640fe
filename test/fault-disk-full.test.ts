// The disk full while ingesting: the DuckDB file sits on an 8 MB tmpfs that fills up mid-stream.
// The service stays up, stops storing (each failed chunk is rolled back with its offsets, so
// nothing is resolved or committed to Kafka past what is stored), says so in its log and in
// /readyz, and once the tmpfs grows to 64 MB it stores every event exactly once.
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

const tmp = tempDir('driftwatch-fault-disk-');
const disk = `${tmp.dir}/disk`;
const READ = 'read-token-fault-disk-0123456789';
let mounted = false;
let skip: string | false = false;

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

before(() => {
  mkdirSync(disk, { recursive: true });
  try {
    mount(['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk]);
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('disk full while ingesting', { timeout: 300_000 }, () => {
  it('pauses without committing past the stored rows, reports it, and stores everything once when space returns', async (t) => {
    if (skip) return t.skip(skip);
    const kafka = testKafka();
    const admin: Admin = kafka.admin();
    const producer: Producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      const baseline = await testBaseline(tmp.dir, 'fault-disk');
      const topic = uniqueTopic('fault-disk');
      const group = `disk-${topic}`;
      await createTopic(admin, topic, 3);
      const total = 300_000;
      await produce(producer, topic, Array.from({ length: total }, (_, i) => goodEvent(i)));
      const store = `${disk}/driftwatch.duckdb`;
      const config = writeConfig(tmp.dir, {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [{ name: 'disk', baseline, source: { topics: [topic], groupId: group, startFrom: 'earliest', sessionTimeout: '10s' }, event: { timestamp: 'ts' } }],
      }, 'disk.yaml');
      const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `read:${READ}` });
      const api = serve.apiUrl();
      const committed = async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
      };
      // The store's own count, read through the running service (the file is locked to it).
      const storedCount = async () => {
        const r = await fetch(`${api}/api/v1/models/disk`, { headers: { authorization: `Bearer ${READ}` } });
        return ((await r.json()) as { counters: Record<string, number> }).counters.stored ?? 0;
      };
      try {
        await serve.waitForLog(/No space left on device/, 120_000);
        const fullAt = Date.now();
        process.stderr.write(`# disk full; df: ${execFileSync('df', ['-h', disk]).toString().split('\n')[1]}\n`);
        const logged = serve.lines.find((l) => /"msg":"store write failed/.test(l));
        assert.ok(logged, 'the service logs the failed write itself');
        assert.match(JSON.parse(logged).err, /No space left on device/);
        const ready = await fetch(`${api}/readyz`);
        const readiness = await ready.json() as { reasons: string[] };
        assert.equal(ready.status, 503, JSON.stringify(readiness));
        assert.ok(readiness.reasons.some((r) => /model disk: .*No space left on device/.test(r)), JSON.stringify(readiness));
        const first = await committed();
        const storedFirst = await storedCount();
        await sleep(8000);
        assert.equal(serve.child.exitCode, null, 'the service stays up on a full disk');
        const later = await committed();
        const storedLater = await storedCount();
        const failures = serve.lines.filter((l) => /Error when calling eachBatch|store write failed/.test(l)).length;
        process.stderr.write(`# full for ${((Date.now() - fullAt) / 1000).toFixed(1)} s: stored ${storedFirst} then ${storedLater}, committed to Kafka ${first} then ${later}, of ${total}; ${failures} failed-write log lines; ${serve.lines.filter((l) => /"msg":"store write failed/.test(l)).length} of them the service's own\n`);
        assert.ok(later < total, 'consumption paused before the end');
        assert.equal(storedLater, storedFirst, 'nothing stored while the disk is full');
        assert.equal(later, first, 'no Kafka commit advances while nothing can be stored');
        assert.ok(later <= storedLater, `Kafka's courtesy commit (${later}) never runs ahead of the stored rows (${storedLater})`);

        mount(['-o', 'remount,size=64m', disk]);
        const grown = Date.now();
        await waitForGroupCaughtUp(admin, group, topic, 120_000);
        process.stderr.write(`# space back: caught up ${((Date.now() - grown) / 1000).toFixed(1)} s after the remount\n`);
        await serve.waitForLog(/"msg":"store writes work again"/, 10_000);
        const ok = await fetch(`${api}/readyz`);
        assert.equal(ok.status, 200, `ready again: ${await ok.text()}`);
      } finally {
        assert.equal(await serve.stop(), 0);
      }
      const rows = await readStore(store, async (db) => ({
        total: await db.row(`SELECT count(*)::INTEGER AS n, count(DISTINCT (_partition, _offset))::INTEGER AS d FROM samples_disk`),
        partitions: await db.rows(`SELECT o."partition" AS p, o.next_offset::INTEGER AS next, (SELECT count(*)::INTEGER FROM samples_disk s WHERE s._partition = o."partition") AS n FROM offsets o WHERE model = 'disk' ORDER BY 1`),
        consumed: Number((await db.row(`SELECT value FROM ingest_counts WHERE model = 'disk' AND counter = 'consumed'`)).value),
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
