// A worker of the calibration harness: loads the populations once, then simulates the batches
// it is sent (bench/calibration.ts hands them out), answering with each batch's tally.
import { parentPort, workerData } from 'node:worker_threads';
import { allPopulations } from './calibration-data.js';
import { simulate } from './calibration-sim.js';
import type { Task } from './calibration.js';

const populations = await allPopulations(workerData.seed as number);
const large = populations.filter((p) => p.group !== 'seattle').map((p) => p.name);
const seattle = populations.filter((p) => p.group === 'seattle').map((p) => p.name);
parentPort!.on('message', (task: Task | null) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  const tally = simulate({
    populations,
    n: task.n,
    checks: task.checks,
    seed: task.seed,
    baselineEvery: 10,
    ...(task.drift ? { drift: task.drift, targets: task.targets === 'seattle' ? seattle : large } : {}),
  });
  parentPort!.postMessage({ id: task.id, tally });
});
parentPort!.postMessage({ ready: true });
