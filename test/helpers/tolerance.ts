import assert from 'node:assert/strict';

/** STATS.md: statistics and distances, |got - want| <= 1e-9 * max(1, |want|). */
export function assertStatClose(got: unknown, want: number, what: string): void {
  assert.equal(typeof got, 'number', `${what}: expected a number, got ${JSON.stringify(got)}`);
  const g = got as number;
  assert.ok(Math.abs(g - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: got ${g}, want ${want} (|diff| ${Math.abs(g - want)})`);
}

/** STATS.md: p-values, 1e-6 relative where the method is exact, 1e-3 where it is asymptotic. */
export function assertPValueClose(got: unknown, want: number, method: 'exact' | 'asymp', what: string): void {
  assert.equal(typeof got, 'number', `${what}: expected a number, got ${JSON.stringify(got)}`);
  const g = got as number;
  const rel = method === 'exact' ? 1e-6 : 1e-3;
  assert.ok(Math.abs(g - want) <= rel * want + 1e-12, `${what}: got ${g}, want ${want} (${method})`);
}
