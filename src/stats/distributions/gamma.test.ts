import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { gammaP, gammaQ, logGamma, logGammaQ } from './gamma.js';

// Reference values: scipy 1.10.1 and mpmath at 50 digits, from scripts/reference/gen_chi2_fixtures.py.
const Fixture = z.object({
  logGamma: z.array(z.object({ x: z.number(), scipy: z.number(), exact: z.number() })),
  incompleteGamma: z.array(
    z.object({
      a: z.number(),
      x: z.number(),
      scipyP: z.number(),
      scipyQ: z.number(),
      P: z.number(),
      Q: z.number(),
      logQ: z.number(),
    }),
  ),
});
const fixture = Fixture.parse(JSON.parse(readFileSync(new URL('../../../test/fixtures/chi2_cases.json', import.meta.url), 'utf8')));

/** Below this the reference double itself is subnormal, and only its log is compared. */
const SMALLEST_NORMAL = 2.2250738585072014e-308;

function relativeError(got: number, want: number): number {
  return got === want ? 0 : Math.abs(got - want) / Math.abs(want);
}

/**
 * Tolerance for ln p: 1e-13 near 0 (that is, p to 13 digits), growing with |ln p| because
 * ln p = -1e5 is itself only known to ~1e-11 from the rounding of x.
 */
function logTolerance(want: number): number {
  return 1e-13 + 4e-15 * Math.abs(want);
}

describe('logGamma', () => {
  it('matches mpmath to 2e-15 (absolute below 1, relative above) and scipy to 1e-14', (t) => {
    let worstScipy = 0;
    for (const c of fixture.logGamma) {
      const got = logGamma(c.x);
      const scale = Math.max(1, Math.abs(c.exact));
      assert.ok(Math.abs(got - c.exact) <= 2e-15 * scale, `logGamma(${c.x}) = ${got}, want ${c.exact}`);
      const scipyError = Math.abs(got - c.scipy) / Math.max(1, Math.abs(c.scipy));
      assert.ok(scipyError <= 1e-14, `logGamma(${c.x}) = ${got}, scipy ${c.scipy}`);
      worstScipy = Math.max(worstScipy, scipyError);
    }
    t.diagnostic(`${fixture.logGamma.length} cases, worst error against scipy ${worstScipy.toExponential(2)}`);
  });

  it('is exact at small integers and has poles at 0, -1, -2', () => {
    assert.equal(logGamma(1), 0);
    assert.ok(Math.abs(logGamma(2)) < 1e-15);
    assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-15);
    assert.equal(logGamma(0), Infinity);
    assert.equal(logGamma(-2), Infinity);
    assert.equal(logGamma(Infinity), Infinity);
    assert.ok(Number.isNaN(logGamma(NaN)));
  });

  it('satisfies lnΓ(x + 1) = lnΓ(x) + ln x across the switch to Stirling at 10', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 50, noNaN: true }), (x) => {
        const gap = Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x));
        return gap <= 1e-14 * Math.max(1, logGamma(x + 1));
      }),
    );
  });
});

describe('gammaP and gammaQ', () => {
  it('match mpmath to 1e-12 relative down to 1e-300, and scipy to 1e-10', (t) => {
    let worstExact = 0;
    let worstScipy = 0;
    for (const c of fixture.incompleteGamma) {
      const P = gammaP(c.a, c.x);
      const Q = gammaQ(c.a, c.x);
      const where = `a = ${c.a}, x = ${c.x}`;
      for (const [got, exact, scipy, label] of [
        [P, c.P, c.scipyP, 'P'],
        [Q, c.Q, c.scipyQ, 'Q'],
      ] as const) {
        if (exact >= SMALLEST_NORMAL) {
          assert.ok(relativeError(got, exact) <= 1e-12, `${label}(${where}) = ${got}, want ${exact}`);
          worstExact = Math.max(worstExact, relativeError(got, exact));
        }
        if (scipy >= SMALLEST_NORMAL) {
          assert.ok(relativeError(got, scipy) <= 1e-10, `${label}(${where}) = ${got}, scipy ${scipy}`);
          worstScipy = Math.max(worstScipy, relativeError(got, scipy));
        }
      }
    }
    t.diagnostic(
      `${fixture.incompleteGamma.length} cases; worst relative error: ` +
        `mpmath ${worstExact.toExponential(2)}, scipy ${worstScipy.toExponential(2)}`,
    );
  });

  it('logGammaQ matches ln Q from mpmath, also where Q underflows (down to ln Q = -1e5)', () => {
    for (const c of fixture.incompleteGamma) {
      const got = logGammaQ(c.a, c.x);
      assert.ok(Math.abs(got - c.logQ) <= logTolerance(c.logQ), `lnQ(${c.a}, ${c.x}) = ${got}, want ${c.logQ}`);
    }
    assert.ok(
      fixture.incompleteGamma.some((c) => c.Q === 0),
      'the fixture should reach below the smallest double',
    );
  });

  it('has the closed forms Q(1, x) = e^-x and Q(2, x) = (1 + x) e^-x', () => {
    for (const x of [1e-10, 0.5, 1, 2, 3, 10, 100, 700]) {
      // Computed through ln Q, so a few ulps of ln Q = -x: the relative error grows with x.
      const tolerance = 4e-16 * Math.max(5, x);
      assert.ok(relativeError(gammaQ(1, x), Math.exp(-x)) <= tolerance, `Q(1, ${x})`);
      assert.ok(relativeError(gammaQ(2, x), (1 + x) * Math.exp(-x)) <= tolerance, `Q(2, ${x})`);
    }
    assert.ok(Math.abs(logGammaQ(1, 5000) + 5000) <= 1e-12);
  });

  it('returns the limits at x = 0 and x = Infinity, and NaN outside the domain', () => {
    assert.deepEqual([gammaP(3, 0), gammaQ(3, 0), logGammaQ(3, 0)], [0, 1, 0]);
    assert.deepEqual([gammaP(3, Infinity), gammaQ(3, Infinity), logGammaQ(3, Infinity)], [1, 0, -Infinity]);
    for (const [a, x] of [
      [0, 1],
      [-1, 1],
      [1, -1],
      [NaN, 1],
      [1, NaN],
      [Infinity, 1],
    ] as const) {
      assert.ok(Number.isNaN(gammaP(a, x)) && Number.isNaN(gammaQ(a, x)) && Number.isNaN(logGammaQ(a, x)));
    }
  });

  it('P + Q = 1, both in [0, 1], for any a and x', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 2000, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), (a, ratio) => {
        const x = a * ratio;
        const P = gammaP(a, x);
        const Q = gammaQ(a, x);
        return P >= 0 && P <= 1 && Q >= 0 && Q <= 1 && Math.abs(P + Q - 1) <= 1e-14;
      }),
    );
  });

  it('Q decreases in x, across the switch from the series to the continued fraction at x = a + 1', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1000, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (a, shift) => {
        const x = Math.max(a + 1 + shift, 0);
        const step = 1e-6 * Math.max(1, x);
        return gammaQ(a, x + step) <= gammaQ(a, x) && logGammaQ(a, x + step) <= logGammaQ(a, x);
      }),
    );
  });
});
