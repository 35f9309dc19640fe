import { join } from 'node:path';
import { FIXTURES, runCli } from './cli.js';

/** Builds the test model's baseline profile (amount, age, score numeric; channel categorical) into `dir`. */
export async function testBaseline(dir: string, name = 'test-model'): Promise<string> {
  const out = join(dir, `${name}.json`);
  const r = await runCli(['baseline', 'create', '--data', join(FIXTURES, 'synthetic_baseline.csv'), '--name', name, '--out', out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

const CHANNELS = ['app', 'store', 'web'];

/** A well-formed prediction event of the test model, deterministic in i. */
export function goodEvent(i: number): { key: string; value: string } {
  const features = { amount: 5 + ((i * 7919) % 9000) / 100, age: 18 + (i % 60), score: ((i * 31) % 1000) / 1000, channel: CHANNELS[i % 3] };
  return { key: `evt-${i}`, value: JSON.stringify({ features, prediction: { fraud: (i % 100) / 100 }, ts: 1_700_000_000_000 + i }) };
}
