// A worker of the performance calibration harness: builds the scenarios once (the flights one
// through DuckDB), then simulates the batches it is sent (bench/performance-calibration.ts hands
// them out), answering with each batch's tally.
import { parentPort } from 'node:worker_threads';
import { type PerformanceTask, allScenarios } from './performance-calibration.js';
import { simulatePerformance } from './performance-calibration-sim.js';

const scenarios = await allScenarios();
parentPort!.on('message', (task: PerformanceTask | null) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  const scenario = scenarios.find((s) => s.name === task.scenario);
  if (!scenario) throw new Error(`unknown scenario '${task.scenario}'`);
  const tally = simulatePerformance({
    scenario,
    n: task.n,
    checks: task.checks,
    seed: task.seed,
    ...(task.drop ? { drop: task.drop } : {}),
  });
  parentPort!.postMessage({ id: task.id, tally });
});
parentPort!.postMessage({ ready: true });
