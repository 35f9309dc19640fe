// The ingest benchmark's yardstick: a kafkajs consumer that does nothing with the messages but
// count them and resolve their offsets, with the consumer settings of src/ingest/kafka-source.ts.
// What it reaches is the client's own ceiling on this machine; the service cannot beat it.
//
// node --import tsx bench/noop-consumer.ts <broker> <topic> <groupId>   (runs until SIGTERM)
import { Kafka, logLevel } from 'kafkajs';
import { MAX_BYTES_PER_PARTITION } from '../src/ingest/kafka-source.js';

const [broker, topic, groupId] = process.argv.slice(2);
if (!broker || !topic || !groupId) {
  process.stderr.write('usage: noop-consumer.ts <broker> <topic> <groupId>\n');
  process.exit(2);
}

const kafka = new Kafka({
  clientId: 'driftwatch-bench-noop',
  brokers: [broker],
  logLevel: logLevel.ERROR,
  retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 20 },
});
// The service's settings (KafkaIngest): the 30 s default session, a third of it between
// heartbeats, 4 MiB per partition and fetch.
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: 30_000,
  heartbeatInterval: 10_000,
  maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
});
let count = 0;
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: true,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    count += batch.messages.length;
    if (batch.messages.length > 0) resolveOffset(batch.lastOffset());
    await heartbeat();
  },
});
process.stderr.write('noop consumer running\n');
process.once('SIGTERM', () => {
  void consumer.disconnect().then(() => {
    process.stderr.write(`noop consumer counted ${count} messages\n`);
    process.exit(0);
  });
});
