// The store invalidated under a service with only HTTP-ingest models: as in
// fault-store-invalidated.test.ts (the Kafka path), the DuckDB file sits on a tmpfs with room for
// the write-ahead log but not for the checkpoint DuckDB runs when the log reaches 16 MB. A client
// posts batches of events with ids and retries a batch answered 503. The failed checkpoint is
// fatal to DuckDB, so `serve` must say so and exit 2 for a supervisor to restart it (it answered
// 503 forever with /healthz at 200 before). Restarted with space back, every event that was
// acknowledged (200) is stored, once.
// Needs root (mount); elsewhere it is skipped with the reason.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';
import { SmallDisk } from './helpers/small-disk.js';

const tmp = tempDir('driftwatch-fault-invalidated-http-');
/** Room for a 16 MB log, not for the blocks its checkpoint writes. */
const disk = new SmallDisk(`${tmp.dir}/disk`, process.env.INVALIDATE_DISK_SIZE ?? '18m');
after(() => {
  disk.unmount();
  tmp.cleanup();
});
const INGEST = 'ingest-token-invalidated-http-0123456789';
const BATCH = 5000;

/** Batch `n` of the client: events with ids `e<i>`, in the shape HTTP ingest takes. */
function batch(n: number): Record<string, unknown>[] {
  return Array.from({ length: BATCH }, (_, j) => {
    const i = n * BATCH + j;
    return { ...JSON.parse(goodEvent(i).value), id: `e${i}` };
  });
}

describe('store invalidated by a failed checkpoint, HTTP-only models', { timeout: 300_000 }, () => {
  it('exits 2 naming the cause; after a restart every acknowledged event is stored once', async (t) => {
    if (disk.skip) return t.skip(disk.skip);
    const store = `${disk.dir}/driftwatch.duckdb`;
    const baseline = await testBaseline(tmp.dir, 'inval-http');
    const config = writeConfig(tmp.dir, {
      api: { port: 0, bodyLimit: '4mb', ingestRateLimit: 100_000 },
      storage: { path: store, retention: '36500d', checkpointThreshold: '16MB' },
      models: [{ name: 'inval-http', baseline, event: { id: 'id', timestamp: 'ts' } }],
    });
    const env = { DRIFTWATCH_API_TOKENS: `ingest:${INGEST}` };
    const first = await ServeProcess.start(config, 1, env);
    const url = `${first.apiUrl()}/api/v1/models/inval-http/events`;
    const acknowledged: number[] = [];
    let refused = 0;
    const running = () => first.child.exitCode === null && first.child.signalCode === null;
    // Before the fix the service answered 503 forever: the client gives up after two minutes.
    const deadline = Date.now() + 120_000;
    for (let n = 0; running() && Date.now() < deadline && n < 400; ) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${INGEST}`, 'content-type': 'application/json' },
          body: JSON.stringify(batch(n)),
          signal: AbortSignal.timeout(30_000),
        });
      } catch {
        await new Promise((r) => setTimeout(r, 100));
        continue; // the process is going; `running()` says when it is gone
      }
      if (response.status === 200) {
        acknowledged.push(n);
        n++;
      } else {
        assert.equal(response.status, 503, await response.text());
        refused++;
        await new Promise((r) => setTimeout(r, 100)); // a client's retry of the same batch
      }
    }
    let code: number | null;
    try {
      code = await first.waitForExit(10_000);
    } finally {
      if (running()) await first.kill(); // the code before: still answering 503
    }
    process.stderr.write(`# ${acknowledged.length} batches acknowledged, ${refused} answers 503; exited ${code}; df: ${disk.usage()}\n`);
    const fatal = first.lines.find((l) => /"msg":"the store is invalidated/.test(l));
    assert.ok(fatal, `the service names the invalidated store:\n${first.lines.slice(-20).join('\n')}`);
    assert.match(JSON.parse(fatal).err, /invalidated|checkpoint/i);
    assert.equal(JSON.parse(fatal).level, 60, 'logged at fatal');
    assert.equal(code, 2, 'exit 2: an error, which a supervisor restarts on');
    assert.ok(acknowledged.length > 0);

    disk.resize('256m');
    const second = await ServeProcess.start(config, 1, env);
    assert.equal(await second.stop(), 0);
    const stored = await readStore(store, (db) =>
      db.row(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT _id)::INTEGER AS d,
           count(*) FILTER (WHERE CAST(substr(_id, 2) AS INTEGER) < ?)::INTEGER AS acked
         FROM samples_inval_http`,
        [acknowledged.length * BATCH],
      ),
    );
    assert.equal(stored.acked, acknowledged.length * BATCH, 'every acknowledged event is stored');
    assert.equal(stored.d, stored.n, 'each once');
    assert.ok(Number(stored.n) - Number(stored.acked) <= BATCH, `at most the batch in flight besides: ${JSON.stringify(stored)}`);
  });
});
