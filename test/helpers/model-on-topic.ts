import type { Admin, Producer } from 'kafkajs';
import { goodEvent, testBaseline } from './events.js';
import { BROKER, createTopic, produce, uniqueTopic } from './kafka.js';
import { writeConfig } from './service.js';

/**
 * One model of the test baseline on a new 3-partition topic that already holds `total` good
 * events, and a config that stores it in `store` (retention off, reading from the earliest offset).
 */
export async function modelOnTopic(dir: string, admin: Admin, producer: Producer, model: string, total: number, store: string): Promise<{ topic: string; group: string; config: string }> {
  const baseline = await testBaseline(dir, model);
  const topic = uniqueTopic(model);
  const group = `${model}-${topic}`;
  await createTopic(admin, topic, 3);
  await produce(producer, topic, Array.from({ length: total }, (_, i) => goodEvent(i)));
  const config = writeConfig(dir, {
    kafka: { brokers: [BROKER] },
    storage: { path: store, retention: '36500d' },
    models: [{ name: model, baseline, source: { topics: [topic], groupId: group, startFrom: 'earliest', sessionTimeout: '10s' }, event: { timestamp: 'ts' } }],
  }, `${model}.yaml`);
  return { topic, group, config };
}
