// Seeded samples for the multivariate tests (src/stats/domain-classifier.ts, src/stats/mmd.ts),
// shared by their unit tests, test/multivariate-calibration.test.ts and
// bench/multivariate-calibration.ts, so all three draw the same kinds of data.
import type { MultivariateColumn, MultivariateSample } from '../../src/stats/multivariate-sample.js';
import { mulberry32, normal } from './random.js';

/** What `tabular` draws: p numeric columns (x0, x1 correlated by rho), optionally skewed ones and a categorical. */
export interface TabularSpec {
  rows: number;
  /** Numeric columns x0..x{p-1}, at least 2. */
  p: number;
  /** Correlation of x0 and x1; both marginals stay N(0, 1) whatever it is. */
  rho?: number;
  /** Added to x0. */
  shift?: number;
  /** Draw x2.. from a lognormal (skewed, heavy right tail) instead of a normal. */
  skewed?: boolean;
  /** Add a categorical column 'kind' with categories a/b/c; share of 'b' (default 0.3), the rest split evenly. */
  categorical?: boolean;
  shareB?: number;
}

/** A tabular sample: numeric columns x0.. and, if asked, the categorical 'kind'. */
export function tabular(spec: TabularSpec, seed: number): MultivariateSample {
  const random = mulberry32(seed);
  const rho = spec.rho ?? 0;
  const columns = Array.from({ length: spec.p }, () => new Float64Array(spec.rows));
  const kind: string[] = [];
  for (let r = 0; r < spec.rows; r++) {
    const z1 = normal(random);
    const z2 = normal(random);
    columns[0]![r] = z1 + (spec.shift ?? 0);
    columns[1]![r] = rho * z1 + Math.sqrt(1 - rho * rho) * z2;
    for (let k = 2; k < spec.p; k++) columns[k]![r] = spec.skewed ? Math.exp(normal(random)) : normal(random);
    if (spec.categorical) kind.push(random() < (spec.shareB ?? 0.3) ? 'b' : random() < 0.5 ? 'a' : 'c');
  }
  const out: MultivariateColumn[] = columns.map((values, k) => ({ name: `x${k}`, kind: 'numeric', values }));
  if (spec.categorical) out.push({ name: 'kind', kind: 'categorical', values: kind });
  return { columns: out };
}

/** An embedding sample: `rows` vectors of `dim` standard normals, `shift` added to the first `shifted` dimensions. */
export function embedding(rows: number, dim: number, seed: number, shift = 0, shifted = dim): MultivariateSample {
  const random = mulberry32(seed);
  const values = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let c = 0; c < dim; c++) values[r * dim + c] = normal(random) + (c < shifted ? shift : 0);
  return { columns: [{ name: 'embedding', kind: 'embedding', dim, values }] };
}

/** The names of the k features a domain classifier relied on most, sorted by name (for order-free comparisons). */
export function topFeatures(result: { importance: readonly { feature: string }[] }, k: number): string[] {
  return result.importance
    .slice(0, k)
    .map((f) => f.feature)
    .sort();
}
