import type { Database } from './database.js';

/**
 * The `offsets` table: per model, topic and partition, the next offset to read. Written in the
 * same transaction as the rows it covers (`samples-writer.ts`), so a consumer that seeks to it
 * after a crash or a restart never loses an event and never stores one twice.
 */

/** The stored next offsets of a model: "topic/partition" -> next offset to read. */
export async function loadOffsets(db: Database, model: string): Promise<Map<string, bigint>> {
  const rows = await db.rows(`SELECT topic, "partition", next_offset FROM offsets WHERE model = ?`, [model]);
  return new Map(rows.map((r) => [`${String(r.topic)}/${Number(r.partition)}`, BigInt(r.next_offset as bigint)]));
}
