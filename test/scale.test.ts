// Scaling past one machine: two `driftwatch serve` processes in one consumer group split a
// 4-partition topic, each into its own DuckDB file (a DuckDB file has one writer). Together they
// store every event exactly once, also when one of them stops and the other takes its partitions
// over from the group's committed offsets, and when partitions go back to a process whose file
// is behind on them (a rolling restart): it resumes at the other process's commit.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { createTopic, produce, testKafka, uniqueTopic, waitForGroupCaughtUp, BROKER } from './helpers/kafka.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-scale-');
after(() => tmp.cleanup());

/** Waits until the group is stable with `members` members that each hold at least one partition. */
async function waitForMembers(admin: Admin, groupId: string, members: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const {
      groups: [group],
    } = await admin.describeGroups([groupId]);
    if (group?.state === 'Stable' && group.members.length === members && group.members.every((m) => m.memberAssignment.length > 0)) return;
    if (Date.now() > deadline) throw new Error(`group ${groupId}: ${group?.state} with ${group?.members.length} members`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Row = { p: number; o: bigint; id: string };
const storedRows = (path: string) =>
  readStore(path, async (db) =>
    (await db.rows(`SELECT _partition AS p, _offset AS o, _id AS id FROM samples_scale_model`)).map(
      (r) => ({ p: Number(r.p), o: BigInt(r.o as bigint), id: String(r.id) }) as Row,
    ),
  );

describe('two serve processes in one consumer group', { timeout: 240_000 }, () => {
  it('split the partitions and together store every event once, through scale-downs and a scale-up', async () => {
    const baseline = await testBaseline(tmp.dir, 'scale-model');
    const topic = uniqueTopic('scale');
    const groupId = `driftwatch-scale-${topic}`;
    const admin = testKafka().admin();
    await admin.connect();
    const producer = testKafka().producer();
    await producer.connect();
    const stores = ['a', 'b'].map((n) => `${tmp.dir}/scale-${n}.duckdb`);
    const serves: ServeProcess[] = [];
    const configs: string[] = [];
    try {
      await createTopic(admin, topic, 4);
      for (const [i, store] of stores.entries()) {
        const config = writeConfig(
          tmp.dir,
          {
            kafka: { brokers: [BROKER] },
            storage: { path: store, retention: '36500d' },
            models: [{ name: 'scale-model', baseline, source: { topics: [topic], groupId, startFrom: 'earliest', sessionTimeout: '6s' } }],
          },
          `scale-${i}.yaml`,
        );
        configs.push(config);
        serves.push(await ServeProcess.start(config, 1));
      }

      // Each step: the group settles at `members`, then `count` new events, all stored before the next step.
      let produced = 0;
      const step = async (members: number, count: number) => {
        await waitForMembers(admin, groupId, members);
        await produce(
          producer,
          topic,
          Array.from({ length: count }, (_, i) => goodEvent(produced + i)),
        );
        produced += count;
        await waitForGroupCaughtUp(admin, groupId, topic, 90_000);
      };
      await step(2, 20_000);
      // Scale down: b stops after its batch in hand; a takes b's partitions from the committed offsets.
      assert.equal(await serves[1]!.stop(), 0);
      await step(1, 10_000);
      // Scale up again (a rolling restart): b comes back with its file, whose stored offsets for the
      // partitions it gets back are behind what a stored meanwhile. It must resume where the group
      // left them, not read a's share again into its own file.
      serves[1] = await ServeProcess.start(configs[1]!, 1);
      await step(2, 10_000);
      // Down again: a gets back the partitions b held meanwhile. a held every partition before, so
      // its stored offsets for them are behind b's commits, whichever partitions b got.
      assert.equal(await serves[1]!.stop(), 0);
      await step(1, 10_000);
      assert.ok(
        serves[0]!.lines.some((l) => /another driftwatch store holds this partition/.test(l)),
        "a resumed at b's commits, and said so",
      );
    } finally {
      for (const s of serves) if (s.child.exitCode === null) assert.equal(await s.stop(), 0);
      await producer.disconnect();
      await admin.disconnect();
    }

    const [a, b] = (await Promise.all(stores.map(storedRows))) as [Row[], Row[]];
    const partitionsOf = (rows: Row[]) => new Set(rows.map((r) => r.p));
    assert.ok(a.length > 0 && b.length > 0, `both processes stored events: a ${a.length}, b ${b.length}`);
    // While both ran the first time (the first 20,000 events), b held part of the partitions.
    const firstOfB = b.filter((r) => Number(/(\d+)$/.exec(r.id)?.[1]) < 20_000);
    assert.ok(
      partitionsOf(firstOfB).size >= 1 && partitionsOf(firstOfB).size < 4,
      `b held part of the partitions: ${[...partitionsOf(firstOfB)]}`,
    );
    const keys = [...a, ...b].map((r) => `${r.p}/${r.o}`);
    assert.equal(new Set(keys).size, keys.length, 'no event stored twice, in either store or across them');
    assert.equal(keys.length, 50_000, 'every event stored');
    assert.deepEqual(new Set([...a, ...b].map((r) => r.id)).size, 50_000, 'the 50,000 distinct events');
  });
});
