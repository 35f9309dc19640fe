// A worker of the multivariate calibration harness: runs the batches it is sent
// (bench/multivariate-calibration.ts hands them out) and answers with each batch's tally.
import { parentPort } from 'node:worker_threads';
import { runTask, type Task } from './multivariate-sim.js';

parentPort!.on('message', (task: Task | null) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  parentPort!.postMessage({ id: task.id, tally: runTask(task) });
});
parentPort!.postMessage({ ready: true });
