// The store invalidated under the service: the DuckDB file sits on a tmpfs with room for the
// write-ahead log but not for the checkpoint DuckDB runs when the log reaches 16 MB (the test's
// `storage.checkpointThreshold`; the default, 256MB, would fill the disk with the log first,
// which is the disk-full case of fault-disk-full.test.ts). The failed checkpoint is fatal to
// DuckDB (every later statement answers "database has been invalidated"), so `serve` says so and
// exits 2 (an error) for a supervisor to restart it. Restarted with space back, it resumes from
// the last commit: every event stored once.
// Needs root (mount); elsewhere it is skipped with the reason.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { waitForGroupCaughtUp } from './helpers/kafka.js';
import { modelOnTopic } from './helpers/model-on-topic.js';
import { assertStoredOnce, ServeProcess } from './helpers/service.js';
import { SmallDisk } from './helpers/small-disk.js';

const tmp = tempDir('driftwatch-fault-invalidated-');
/** Room for a 16 MB log, not for the blocks its checkpoint writes. */
const disk = new SmallDisk(`${tmp.dir}/disk`, process.env.INVALIDATE_DISK_SIZE ?? '18m');
after(() => {
  disk.unmount();
  tmp.cleanup();
});

describe('store invalidated by a failed checkpoint', { timeout: 300_000 }, () => {
  it('exits 2 naming the cause, and a restart resumes from the last commit with every event stored once', async (t) => {
    if (disk.skip) return t.skip(disk.skip);
    const total = 400_000;
    const store = `${disk.dir}/driftwatch.duckdb`;
    const { admin, topic, group, config, close } = await modelOnTopic(tmp.dir, 'inval', total, store, { checkpointThreshold: '16MB' });
    try {
      const first = await ServeProcess.start(config, 1);
      const code = await first.waitForExit(180_000);
      const fatal = first.lines.find((l) => /"msg":"the store is invalidated/.test(l));
      process.stderr.write(`# first run exited ${code}; df: ${disk.usage()}\n`);
      assert.ok(fatal, `the service names the invalidated store:\n${first.lines.slice(-20).join('\n')}`);
      assert.match(JSON.parse(fatal).err, /invalidated|checkpoint/i);
      assert.equal(code, 2, 'exit 2: an error, which a supervisor restarts on');
      assert.ok(
        first.lines.some((l) => /"msg":"stopped"/.test(l)),
        'it stopped through the normal path (consumers stopped, store closed)',
      );

      disk.resize('256m');
      const second = await ServeProcess.start(config, 1);
      try {
        await waitForGroupCaughtUp(admin, group, topic, 180_000);
      } finally {
        assert.equal(await second.stop(), 0);
      }
      await assertStoredOnce(store, 'inval', total);
    } finally {
      await close();
    }
  });
});
