/**
 * Cholesky factorisation and solves of a symmetric positive definite matrix held row-major in a
 * Float64Array. The domain classifier's ridge fits need only this: one factor per fold, reused
 * for every permutation of the labels (a solve is O(d^2), a factorisation O(d^3 / 3)).
 */

/**
 * Factors the d x d matrix `a` (row-major, only its lower triangle read) in place into L with
 * a = L L^T, L in the lower triangle. Throws when a pivot is not positive (not positive definite);
 * a ridge penalty keeps the domain classifier's Gram matrices away from that.
 */
export function choleskyInPlace(a: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) {
    const rowJ = j * d;
    let pivot = a[rowJ + j]!;
    for (let k = 0; k < j; k++) pivot -= a[rowJ + k]! * a[rowJ + k]!;
    if (!(pivot > 0)) throw new Error(`matrix is not positive definite (pivot ${pivot} at column ${j})`);
    const ljj = Math.sqrt(pivot);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const rowI = i * d;
      let s = a[rowI + j]!;
      // Row-major rows of L: the inner product runs along two contiguous rows.
      for (let k = 0; k < j; k++) s -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = s / ljj;
    }
  }
}

/** Solves L L^T x = b for the factor from `choleskyInPlace`; writes x into `out` (may be `b`). */
export function choleskySolve(l: Float64Array, d: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  // Forward: L z = b.
  for (let i = 0; i < d; i++) {
    const row = i * d;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[row + k]! * out[k]!;
    out[i] = s / l[row + i]!;
  }
  // Back: L^T x = z, reading L by columns.
  for (let i = d - 1; i >= 0; i--) {
    let s = out[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * out[k]!;
    out[i] = s / l[i * d + i]!;
  }
  return out;
}
