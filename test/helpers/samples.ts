import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProfile } from '../../src/baseline/profile.js';
import { EventMapping } from '../../src/config/schema.js';
import { buildBatch, type IncomingMessage } from '../../src/ingest/batch.js';
import { EventDecoder, featureSpecs } from '../../src/ingest/decoder.js';
import { SamplesWriter } from '../../src/store/samples-writer.js';
import { Store } from '../../src/store/store.js';
import { FIXTURES } from './cli.js';

/** The rows of a fixture CSV (no quoted fields in them) as event objects with `features`. */
export function csvEvents(file: string): Record<string, unknown>[] {
  const [header, ...lines] = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const features = Object.fromEntries(
      names.map((n, i) => {
        const cell = cells[i] ?? '';
        return [n, cell === '' ? null : Number.isNaN(Number(cell)) ? cell : Number(cell)];
      }),
    );
    return { features };
  });
}

/**
 * Writes events into a model's samples table through the ingest's own decoder and writer (what
 * the Kafka consumer would store), with event times spread just before `endMs`.
 */
export async function storeEvents(
  storePath: string,
  model: string,
  baselinePath: string,
  events: Record<string, unknown>[],
  endMs: number,
  offsetBase = 0,
): Promise<void> {
  const store = await Store.open(storePath);
  try {
    const mapping = EventMapping.parse({});
    const features = featureSpecs(readProfile(baselinePath), mapping);
    const table = await store.ensureSamplesTable(model, features);
    const writer = new SamplesWriter(store.db, model, table, features, 100);
    const messages: IncomingMessage[] = events.map((e, i) => ({
      topic: 'test',
      partition: 0,
      offset: BigInt(offsetBase + i),
      key: Buffer.from(`k${offsetBase + i}`),
      value: Buffer.from(JSON.stringify(e)),
      timestampMs: endMs - (events.length - i) * 10,
    }));
    await writer.write(buildBatch(messages, new EventDecoder(features, mapping, 1 << 20), { rate: 1, by: 'key' }));
  } finally {
    store.close();
  }
}
