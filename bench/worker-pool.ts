import { Worker } from 'node:worker_threads';

/**
 * Runs tasks on `workers` threads of the TypeScript module `workerUrl`, one task at a time each,
 * the next one sent as the last answers, and prints the progress on stderr. The worker's side of
 * the protocol: post `{ ready: true }` when loaded, answer each task with `{ id, tally }`, close
 * on `null` (see bench/calibration-worker.ts).
 */
export async function runWorkerPool<T extends { id: number }, R>(
  workerUrl: string,
  tasks: readonly T[],
  workers: number,
  workerData?: unknown,
): Promise<Map<number, R>> {
  const results = new Map<number, R>();
  const queue = [...tasks];
  const started = Date.now();
  // A worker does not inherit the parent's `--import tsx` loader: register it, then load the TypeScript worker.
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl)}); })`;
  await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<void>((resolvePromise, reject) => {
          const worker = new Worker(bootstrap, { eval: true, workerData });
          worker.on('message', (m: { ready?: true; id?: number; tally?: R }) => {
            if (m.tally !== undefined && m.id !== undefined) {
              results.set(m.id, m.tally);
              process.stderr.write(`\r${results.size}/${tasks.length} batches, ${((Date.now() - started) / 1000).toFixed(0)} s   `);
            }
            worker.postMessage(queue.shift() ?? null);
          });
          worker.on('error', reject);
          worker.on('exit', () => resolvePromise());
        }),
    ),
  );
  process.stderr.write('\n');
  return results;
}
