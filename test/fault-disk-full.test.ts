// The disk full while ingesting: the DuckDB file sits on an 8 MB tmpfs that fills up mid-stream.
// The service stays up, stops storing (each failed chunk is rolled back with its offsets, so
// nothing is resolved or committed to Kafka past what is stored), says so in its log and in
// /readyz, and once the tmpfs grows to 64 MB it stores every event exactly once.
// Needs root (mount); elsewhere it is skipped with the reason.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { groupCommitted, waitForGroupCaughtUp } from './helpers/kafka.js';
import { modelOnTopic } from './helpers/model-on-topic.js';
import { assertStoredOnce, ServeProcess } from './helpers/service.js';
import { SmallDisk } from './helpers/small-disk.js';

const tmp = tempDir('driftwatch-fault-disk-');
const disk = new SmallDisk(`${tmp.dir}/disk`, '8m');
const READ = 'read-token-fault-disk-0123456789';
after(() => {
  disk.unmount();
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('disk full while ingesting', { timeout: 300_000 }, () => {
  it('pauses without committing past the stored rows, reports it, and stores everything once when space returns', async (t) => {
    if (disk.skip) return t.skip(disk.skip);
    const total = 300_000;
    const store = `${disk.dir}/driftwatch.duckdb`;
    const { admin, topic, group, config, close } = await modelOnTopic(tmp.dir, 'disk', total, store);
    try {
      const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `read:${READ}` });
      const api = serve.apiUrl();
      const committed = () => groupCommitted(admin, group, topic);
      // The store's own count, read through the running service (the file is locked to it).
      const storedCount = async () => {
        const r = await fetch(`${api}/api/v1/models/disk`, { headers: { authorization: `Bearer ${READ}` } });
        return ((await r.json()) as { counters: Record<string, number> }).counters.stored ?? 0;
      };
      try {
        await serve.waitForLog(/No space left on device/, 120_000);
        const fullAt = Date.now();
        process.stderr.write(`# disk full; df: ${disk.usage()}\n`);
        const logged = serve.lines.find((l) => /"msg":"store write failed/.test(l));
        assert.ok(logged, 'the service logs the failed write itself');
        assert.match(JSON.parse(logged).err, /No space left on device/);
        const ready = await fetch(`${api}/readyz`, { headers: { authorization: `Bearer ${READ}` } });
        const readiness = (await ready.json()) as { reasons: string[] };
        assert.equal(ready.status, 503, JSON.stringify(readiness));
        assert.ok(
          readiness.reasons.some((r) => /model disk: .*No space left on device/.test(r)),
          JSON.stringify(readiness),
        );
        const first = await committed();
        const storedFirst = await storedCount();
        await sleep(8000);
        assert.equal(serve.child.exitCode, null, 'the service stays up on a full disk');
        const later = await committed();
        const storedLater = await storedCount();
        const failures = serve.lines.filter((l) => /Error when calling eachBatch|store write failed/.test(l)).length;
        process.stderr.write(
          `# full for ${((Date.now() - fullAt) / 1000).toFixed(1)} s: stored ${storedFirst} then ${storedLater}, committed to Kafka ${first} then ${later}, of ${total}; ${failures} failed-write log lines; ${serve.lines.filter((l) => /"msg":"store write failed/.test(l)).length} of them the service's own\n`,
        );
        assert.ok(later < total, 'consumption paused before the end');
        assert.equal(storedLater, storedFirst, 'nothing stored while the disk is full');
        assert.equal(later, first, 'no Kafka commit advances while nothing can be stored');
        assert.ok(later <= storedLater, `Kafka's courtesy commit (${later}) never runs ahead of the stored rows (${storedLater})`);

        disk.resize('64m');
        const grown = Date.now();
        await waitForGroupCaughtUp(admin, group, topic, 120_000);
        process.stderr.write(`# space back: caught up ${((Date.now() - grown) / 1000).toFixed(1)} s after the remount\n`);
        await serve.waitForLog(/"msg":"store writes work again"/, 10_000);
        const ok = await fetch(`${api}/readyz`);
        assert.equal(ok.status, 200, `ready again: ${await ok.text()}`);
      } finally {
        assert.equal(await serve.stop(), 0);
      }
      await assertStoredOnce(store, 'disk', total);
    } finally {
      await close();
    }
  });
});
