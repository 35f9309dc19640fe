import { Kafka, logLevel } from 'kafkajs';
const k = new Kafka({ brokers: ['localhost:39092'], logLevel: logLevel.NOTHING });
const p = k.producer();
await p.connect();
const topic = process.argv[2];
const a = k.admin();
await a.connect();
await a.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
for (let i = 0; i < 5000; i += 1000)
  await p.send({
    topic,
    messages: Array.from({ length: 1000 }, (_, j) => ({
      key: `k${i + j}`,
      value: JSON.stringify({ features: { amount: 1, age: 2, score: 0.3, channel: 'app' } }),
    })),
  });
await p.disconnect();
await a.disconnect();
