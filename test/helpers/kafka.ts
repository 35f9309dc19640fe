import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { ROOT } from './cli.js';

const exec = promisify(execFile);

/** The test broker (started by .ci/run, or by `npm run kafka:start`). */
export const BROKER = process.env.KAFKA_BROKERS ?? `localhost:${process.env.KAFKA_PORT ?? '9092'}`;

/** A kafkajs client for tests; quiet. */
export function testKafka(broker = BROKER): Kafka {
  return new Kafka({
    clientId: 'driftwatch-test',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 200 },
  });
}

/**
 * An admin client and a producer (one that never creates topics) for a test file: connected before
 * its tests, disconnected after them.
 */
export function fileClients(kafka: Kafka): { admin: Admin; producer: Producer } {
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  before(async () => {
    await admin.connect();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });
  return { admin, producer };
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Creates a topic and waits until its partitions have leaders. */
export async function createTopic(admin: Admin, topic: string, partitions = 3): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
}

/** A prediction event as a model would log it, with `features`. */
export interface TestEvent {
  key: string;
  value: string;
  partition?: number;
}

/** Sends events in batches of `batch`; returns when the broker has acknowledged all of them. */
export async function produce(producer: Producer, topic: string, events: readonly TestEvent[], batch = 2000): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    await producer.send({
      topic,
      acks: -1,
      messages: events
        .slice(i, i + batch)
        .map((e) => ({ key: e.key, value: e.value, ...(e.partition !== undefined ? { partition: e.partition } : {}) })),
    });
  }
}

/** The high watermark of each partition: "partition" -> next offset. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/**
 * Waits until a consumer group has committed the end of every partition of a topic (the service's
 * courtesy commits follow its store commits), polling; throws after `timeoutMs`.
 */
export async function waitForGroupCaughtUp(admin: Admin, groupId: string, topic: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ends = await endOffsets(admin, topic);
  for (;;) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const behind = (committed?.partitions ?? []).filter((p) => BigInt(p.offset === '-1' ? '0' : p.offset) < (ends.get(p.partition) ?? 0n));
    if (committed && committed.partitions.length === ends.size && behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`group ${groupId} did not catch up on ${topic}: ${JSON.stringify(committed?.partitions)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A group's committed offsets of a topic, summed (partitions start at 0; one with no commit counts 0). */
export async function groupCommitted(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
}

/** Waits until a group has committed more than `than` offsets of a topic in all; returns that total. */
export async function waitForGroupCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  than: number,
  timeoutMs = 60_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const total = await groupCommitted(admin, groupId, topic);
    if (total > than) return total;
    if (Date.now() > deadline) throw new Error(`group ${groupId} committed no more than ${than} of ${topic} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts or stops a broker through the project's scripts (used by the broker-outage test). */
export async function brokerScript(action: 'start' | 'stop', env: Record<string, string>, args: string[] = []): Promise<string> {
  const { stdout, stderr } = await exec('bash', [join(ROOT, 'scripts', 'kafka', `${action}.sh`), ...args], {
    env: { ...process.env, ...env },
    timeout: 240_000,
  });
  return stdout + stderr;
}
