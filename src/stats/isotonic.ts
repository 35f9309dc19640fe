/**
 * Isotonic regression (increasing), as scikit-learn's `IsotonicRegression(increasing=True,
 * out_of_bounds='clip')`: NannyML's calibrator of a classifier's scores (src/stats/cbpe.ts).
 *
 * Fit, in scikit-learn's order: sort by (x, y); merge x values closer than float64's resolution
 * (1e-15) into one point whose y is their mean and whose weight is their count (`_make_unique`);
 * pool adjacent violators (Busing 2022, Algorithm 1, the one scipy.optimize.isotonic_regression
 * runs, ties pooled); drop the inner points of flat runs. Predict: clip to [min x, max x], then
 * interpolate linearly between the knots as numpy.interp does (a value on a knot takes the
 * knot's y exactly).
 */

/** A fitted isotonic regression: its knots (increasing x, non-decreasing y); plain arrays, so it can be stored as JSON. */
export interface IsotonicFit {
  x: number[];
  y: number[];
}

/** float64's `np.finfo(np.float64).resolution`: scikit-learn merges x values closer than this. */
const RESOLUTION = 1e-15;

/**
 * Pool adjacent violators in place: `values` (in x order) become their increasing least-squares
 * fit under `weights`. Busing's single pass: a new point that is not above the current block
 * joins it, then the block swallows following points it is not below and earlier blocks not below it.
 */
export function poolAdjacentViolators(values: Float64Array, weights: Float64Array): void {
  const n = values.length;
  if (n === 0) return;
  // Blocks 0..b: block k has mean values[k], weight weights[k] and covers [starts[k], starts[k+1]).
  const starts = new Int32Array(n + 1);
  starts[1] = 1;
  let b = 0;
  let previousMean = values[0]!;
  let previousWeight = weights[0]!;
  for (let i = 1; i < n; i++) {
    b++;
    let mean = values[i]!;
    let weight = weights[i]!;
    if (previousMean >= mean) {
      b--;
      let sum = previousWeight * previousMean + weight * mean;
      weight += previousWeight;
      mean = sum / weight;
      while (i < n - 1 && mean >= values[i + 1]!) {
        i++;
        sum += weights[i]! * values[i]!;
        weight += weights[i]!;
        mean = sum / weight;
      }
      while (b > 0 && values[b - 1]! >= mean) {
        b--;
        sum += weights[b]! * values[b]!;
        weight += weights[b]!;
        mean = sum / weight;
      }
    }
    values[b] = previousMean = mean;
    weights[b] = previousWeight = weight;
    starts[b + 1] = i + 1;
  }
  // Spread each block's mean over its points, last block first (block k is stored at k <= its start).
  let to = n - 1;
  for (let k = b; k >= 0; k--) {
    const from = starts[k]!;
    const mean = values[k]!;
    for (let i = to; i >= from; i--) values[i] = mean;
    to = from - 1;
  }
}

/** Fits an increasing isotonic regression of y on x (equal weights), as scikit-learn does. */
export function fitIsotonic(x: ArrayLike<number>, y: ArrayLike<number>): IsotonicFit {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`x has ${n} values and y ${y.length}`);
  if (n === 0) throw new RangeError('isotonic regression needs at least one point');
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new RangeError(`point ${i} is not finite (x ${x[i]}, y ${y[i]})`);
  // np.lexsort((y, x)): by x, then y.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]! || y[a]! - y[b]!);
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  let currentX = x[order[0]!]!;
  let sumY = 0;
  let weight = 0;
  for (const i of order) {
    const xi = x[i]!;
    if (xi - currentX >= RESOLUTION) {
      ux.push(currentX);
      uy.push(sumY / weight);
      uw.push(weight);
      currentX = xi;
      sumY = 0;
      weight = 0;
    }
    sumY += y[i]!;
    weight += 1;
  }
  ux.push(currentX);
  uy.push(sumY / weight);
  uw.push(weight);
  const fitted = Float64Array.from(uy);
  poolAdjacentViolators(fitted, Float64Array.from(uw));
  // Inner points of a flat run change no interpolated value; scikit-learn drops them.
  const keptX: number[] = [];
  const keptY: number[] = [];
  const m = fitted.length;
  for (let i = 0; i < m; i++) {
    if (i > 0 && i < m - 1 && fitted[i] === fitted[i - 1] && fitted[i] === fitted[i + 1]) continue;
    keptX.push(ux[i]!);
    keptY.push(fitted[i]!);
  }
  return { x: keptX, y: keptY };
}

/** The fitted value at one point: clipped to the knots' range, then numpy.interp between knots. */
export function predictIsotonicOne(fit: IsotonicFit, value: number): number {
  const { x, y } = fit;
  const last = x.length - 1;
  if (last === 0) return y[0]!;
  if (Number.isNaN(value)) return Number.NaN;
  if (value <= x[0]!) return y[0]!;
  if (value >= x[last]!) return y[last]!;
  // The knot j with x[j] <= value < x[j + 1].
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= value) lo = mid;
    else hi = mid;
  }
  if (x[lo] === value) return y[lo]!;
  const slope = (y[lo + 1]! - y[lo]!) / (x[lo + 1]! - x[lo]!);
  return slope * (value - x[lo]!) + y[lo]!;
}

/** The fitted values of many points ({@link predictIsotonicOne} each). */
export function predictIsotonic(fit: IsotonicFit, values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = predictIsotonicOne(fit, values[i]!);
  return out;
}
