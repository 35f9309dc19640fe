#!/usr/bin/env node
// End-to-end check of the broker started by scripts/kafka/start.sh, with kafkajs:
// admin creates a 3-partition topic, a producer sends N messages (default 1000), a consumer
// group reads them all back and commits, then the committed offsets are checked. Prints OK.
//
//   node scripts/kafka/smoke.mjs                      fresh topic + group (names get a timestamp)
//   node scripts/kafka/smoke.mjs --topic T --group G  fixed names (topic created if missing)
//   node scripts/kafka/smoke.mjs --resume --topic T --group G
//        after a broker restart: T must still exist with 3 partitions and G's committed offsets
//        must equal T's end offsets; then N more messages are produced and G must read exactly
//        those (nothing re-read from before the restart).
//
// Env: KAFKA_BROKERS (default localhost:$KAFKA_PORT, KAFKA_PORT default 9092)
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const stamp = Date.now();
const topic = opt('--topic', `driftwatch-smoke-${stamp}`);
const groupId = opt('--group', `driftwatch-smoke-group-${stamp}`);
const count = Number(opt('--count', '1000'));
const resume = args.includes('--resume');
const brokers = (process.env.KAFKA_BROKERS ?? `localhost:${process.env.KAFKA_PORT ?? 9092}`).split(',');
const PARTITIONS = 3;

const t0 = Date.now();
const step = (msg) => console.log(`[smoke +${((Date.now() - t0) / 1000).toFixed(2)}s] ${msg}`);
const fail = (msg) => {
  console.error(`[smoke] FAIL: ${msg}`);
  process.exit(1);
};

// kafkajs logs at WARN and above, except the retried "group coordinator is not available" that
// every first consumer group of a fresh cluster meets while __consumer_offsets is being created.
const logCreator =
  () =>
  ({ level, log }) => {
    if (/coordinator is not available/i.test(log.error ?? '')) return;
    console.error(JSON.stringify({ level, ...log }));
  };
const kafka = new Kafka({ clientId: 'driftwatch-smoke', brokers, logLevel: logLevel.WARN, logCreator });
const admin = kafka.admin();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
// maxWaitTimeInMs: kafkajs' disconnect() waits for the in-flight fetch, 5 s by default
const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 250 });

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
async function endOffsets() {
  const offs = await admin.fetchTopicOffsets(topic);
  return sum(offs.map((o) => Number(o.high)));
}
async function committed() {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return sum(res.partitions.map((p) => Math.max(Number(p.offset), 0)));
}

const overall = setTimeout(() => fail('timed out after 120 s'), 120_000);
try {
  await admin.connect();
  step(`connected to ${brokers.join(',')}`);

  const topics = await admin.listTopics();
  let before = 0;
  if (resume) {
    if (!topics.includes(topic)) fail(`topic ${topic} is gone after restart`);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const n = meta.topics[0].partitions.length;
    if (n !== PARTITIONS) fail(`topic ${topic} has ${n} partitions, expected ${PARTITIONS}`);
    before = await endOffsets();
    const c = await committed();
    if (c !== before) fail(`group ${groupId} committed ${c}, end offsets ${before}`);
    step(`topic ${topic} still there (${n} partitions, ${before} messages), group ${groupId} committed ${c}`);
  } else if (!topics.includes(topic)) {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    if (!created) fail(`createTopics returned false for ${topic}`);
    step(`created topic ${topic} with ${PARTITIONS} partitions`);
  } else {
    before = await endOffsets();
  }

  await producer.connect();
  const run = `${stamp}`;
  const messages = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${run}:${i}` }));
  for (let i = 0; i < messages.length; i += 250) {
    await producer.send({ topic, messages: messages.slice(i, i + 250) });
  }
  step(`produced ${count} messages`);
  const after = await endOffsets();
  if (after - before !== count) fail(`end offsets grew by ${after - before}, expected ${count}`);

  const seen = new Set();
  const partitions = new Set();
  let stale = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const v = message.value.toString();
      if (!v.startsWith(`${run}:`)) stale++;
      else seen.add(v);
      partitions.add(partition);
      if (seen.size === count) resolveAll();
    },
  });
  await all;
  step(`consumer group ${groupId} read ${seen.size} messages from ${partitions.size} partitions`);
  if (stale) fail(`consumer re-read ${stale} messages from before (committed offsets not honoured)`);
  if (!resume && partitions.size !== PARTITIONS) fail(`messages came from ${partitions.size} partitions, expected ${PARTITIONS}`);

  // wait until the group's committed offsets reach the end of the topic
  const deadline = Date.now() + 15_000;
  let c = await committed();
  while (c !== after && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    c = await committed();
  }
  if (c !== after) fail(`group committed ${c}, expected ${after}`);
  step(`group committed offsets = end offsets = ${after}`);

  await consumer.disconnect();
  await producer.disconnect();
  await admin.disconnect();
  step('disconnected');
  clearTimeout(overall);
  console.log(`OK topic=${topic} group=${groupId} messages=${count}`);
} catch (err) {
  fail(err?.stack ?? String(err));
}
