import type { Admin, Producer } from 'kafkajs';
import { goodEvent, testBaseline } from './events.js';
import { BROKER, createTopic, produce, testKafka, uniqueTopic } from './kafka.js';
import { writeConfig } from './service.js';

/** A model on a topic that already holds its events, with the Kafka clients that made it (close them at the end). */
export interface ModelOnTopic {
  admin: Admin;
  topic: string;
  group: string;
  config: string;
  close(): Promise<void>;
}

/**
 * One model of the test baseline on a new 3-partition topic that already holds `total` good
 * events, and a config that stores it in `store` (retention off, reading from the earliest offset;
 * `storage` adds to or overrides the storage section).
 */
export async function modelOnTopic(
  dir: string,
  model: string,
  total: number,
  store: string,
  storage: Record<string, string> = {},
): Promise<ModelOnTopic> {
  const kafka = testKafka();
  const admin = kafka.admin();
  const producer: Producer = kafka.producer();
  const close = async () => {
    await producer.disconnect();
    await admin.disconnect();
  };
  try {
    await admin.connect();
    await producer.connect();
    const baseline = await testBaseline(dir, model);
    const topic = uniqueTopic(model);
    const group = `${model}-${topic}`;
    await createTopic(admin, topic, 3);
    await produce(
      producer,
      topic,
      Array.from({ length: total }, (_, i) => goodEvent(i)),
    );
    const config = writeConfig(
      dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d', ...storage },
        models: [
          {
            name: model,
            baseline,
            source: { topics: [topic], groupId: group, startFrom: 'earliest', sessionTimeout: '10s' },
            event: { timestamp: 'ts' },
          },
        ],
      },
      `${model}.yaml`,
    );
    return { admin, topic, group, config, close };
  } catch (error) {
    await close();
    throw error;
  }
}
