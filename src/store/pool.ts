import type { Database } from './database.js';

/**
 * Maps items through `task` with up to `width` tasks at once, each on a connection of its own
 * (never two queries at once on one connection). The results keep the items' order.
 * The extra connections are closed before it returns, whatever happens.
 */
export async function mapOnConnections<T, R>(
  db: Database,
  items: readonly T[],
  width: number,
  task: (connection: Database, item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const lanes = Math.max(1, Math.min(width, items.length));
  const connections = [db, ...(await Promise.all(Array.from({ length: lanes - 1 }, () => db.connect())))];
  let next = 0;
  try {
    await Promise.all(
      connections.map(async (connection) => {
        while (next < items.length) {
          const i = next++;
          results[i] = await task(connection, items[i]!);
        }
      }),
    );
  } finally {
    for (const connection of connections.slice(1)) connection.close();
  }
  return results;
}
