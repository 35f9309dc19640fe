/**
 * A port of the parts of numpy's legacy `np.random.RandomState` that scikit-learn's
 * `StratifiedShuffleSplit(random_state=42)` draws from: the Mersenne Twister (MT19937) seeded
 * with one integer, `random_interval` and the Fisher-Yates `shuffle` / `permutation` of
 * numpy/random/mtrand.pyx. Ported so that driftwatch splits a labelled set exactly as NannyML
 * does when it decides whether scores need calibration (src/stats/cbpe.ts); the same seed gives
 * the same integers as numpy, bit for bit (pinned in numpy-random.test.ts).
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** numpy's `RandomState(seed)` for an integer seed: MT19937 with numpy's `mt19937_seed`. */
export class NumpyRandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new RangeError(`seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    // mt19937_seed: key[0] = seed, key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i (mod 2**32).
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.pos = N;
  }

  private generate(): void {
    const key = this.key;
    const twist = (i: number, j: number, k: number) => {
      const y = (key[i]! & UPPER_MASK) | (key[j]! & LOWER_MASK);
      key[i] = (key[k]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    };
    let i = 0;
    for (; i < N - M; i++) twist(i, i + 1, i + M);
    for (; i < N - 1; i++) twist(i, i + 1, i + M - N);
    twist(N - 1, 0, M - 1);
    this.pos = 0;
  }

  /** The next 32-bit output (numpy's `mt19937_next32`). */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A uniform integer in [0, max] by rejection on the smallest covering bit mask (numpy's
   * `random_interval`); max below 2**32, which covers every array length here.
   */
  interval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff)
      throw new RangeError(`interval max must be an integer in [0, 2**32 - 1], got ${max}`);
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** Shuffles in place as `RandomState.shuffle` does a 1-d array: i from n-1 down to 1 swaps with interval(i). */
  shuffle<T>(values: T[] | Int32Array | Float64Array | Uint8Array): void {
    for (let i = values.length - 1; i >= 1; i--) {
      const j = this.interval(i);
      const held = values[i]!;
      values[i] = values[j]!;
      values[j] = held;
    }
  }

  /** `RandomState.permutation(n)`: 0..n-1 shuffled. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }

  /** `RandomState.permutation(array)`: a shuffled copy. */
  permuted<T>(values: readonly T[]): T[] {
    const out = [...values];
    this.shuffle(out);
    return out;
  }

  /** `RandomState.choice(values, size, replace=False)` without weights: the first `size` of a permutation of the positions. */
  choiceWithoutReplacement<T>(values: readonly T[], size: number): T[] {
    if (size > values.length) throw new RangeError(`cannot take ${size} of ${values.length} without replacement`);
    return Array.from(this.permutation(values.length).subarray(0, size), (i) => values[i]!);
  }
}
