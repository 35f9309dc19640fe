import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { chi2LogSf, chi2Sf } from './chi2.js';

// chi2.sf from scipy 1.10.1 and ln sf from mpmath (50 digits), for dof 1..1000 and x from 1e-6
// to 2e5; from scripts/reference/gen_chi2_fixtures.py.
const Fixture = z.object({
  chi2Sf: z.array(z.object({ x: z.number(), dof: z.number(), scipy: z.number(), logsf: z.number() })),
});
const cases = Fixture.parse(JSON.parse(readFileSync(new URL('../../../test/fixtures/chi2_cases.json', import.meta.url), 'utf8'))).chi2Sf;

const SMALLEST_NORMAL = 2.2250738585072014e-308;

function relativeError(got: number, want: number): number {
  return got === want ? 0 : Math.abs(got - want) / Math.abs(want);
}

/** ln p to 13 digits near 0, and to 4e-15 relative when |ln p| is large (see gamma.test.ts). */
function logTolerance(want: number): number {
  return 1e-13 + 4e-15 * Math.abs(want);
}

describe('chi2Sf', () => {
  it('matches scipy chi2.sf to 1e-10 relative wherever scipy does not underflow', (t) => {
    let worst = 0;
    let compared = 0;
    for (const c of cases) {
      if (c.scipy < SMALLEST_NORMAL) continue;
      const got = chi2Sf(c.x, c.dof);
      const error = relativeError(got, c.scipy);
      assert.ok(error <= 1e-10, `chi2Sf(${c.x}, ${c.dof}) = ${got}, scipy ${c.scipy}`);
      worst = Math.max(worst, error);
      compared += 1;
    }
    t.diagnostic(`${compared} cases, worst relative error against scipy ${worst.toExponential(2)}`);
  });

  it('matches the exact (mpmath) value to 1e-12 relative down to 1e-300', (t) => {
    let worst = 0;
    for (const c of cases) {
      const want = Math.exp(c.logsf);
      if (want < 1e-300) continue;
      const error = relativeError(chi2Sf(c.x, c.dof), want);
      assert.ok(error <= 1e-12, `chi2Sf(${c.x}, ${c.dof}), want ${want}`);
      worst = Math.max(worst, error);
    }
    t.diagnostic(`worst relative error against mpmath ${worst.toExponential(2)}`);
  });

  it('follows scipy at the edges: 1 for x <= 0, 0 at Infinity, NaN for dof <= 0', () => {
    assert.equal(chi2Sf(0, 3), 1);
    assert.equal(chi2Sf(-5, 3), 1);
    assert.equal(chi2Sf(Infinity, 3), 0);
    assert.ok(Number.isNaN(chi2Sf(1, 0)));
    assert.ok(Number.isNaN(chi2Sf(1, -2)));
    assert.ok(Number.isNaN(chi2Sf(0, 0)));
    assert.ok(Number.isNaN(chi2Sf(NaN, 3)));
    assert.ok(Number.isNaN(chi2Sf(1, NaN)));
  });

  it('gives the textbook critical values', () => {
    assert.ok(relativeError(chi2Sf(3.841458820694124, 1), 0.05) <= 1e-13);
    assert.ok(relativeError(chi2Sf(9.487729036781154, 4), 0.05) <= 1e-13);
    // dof 2 is the exponential distribution with mean 2.
    assert.ok(relativeError(chi2Sf(10, 2), Math.exp(-5)) <= 1e-14);
  });

  it('is in [0, 1] and non-increasing in x for any dof', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (dof, x, dx) => {
          const p = chi2Sf(x, dof);
          return p >= 0 && p <= 1 && chi2Sf(x + dx, dof) <= p;
        },
      ),
    );
  });
});

describe('chi2LogSf', () => {
  it('matches ln sf from mpmath, also far below the smallest double (p = 1e-300 and below)', (t) => {
    let worst = 0;
    for (const c of cases) {
      const got = chi2LogSf(c.x, c.dof);
      assert.ok(Math.abs(got - c.logsf) <= logTolerance(c.logsf), `chi2LogSf(${c.x}, ${c.dof}) = ${got}, want ${c.logsf}`);
      worst = Math.max(worst, Math.abs(got - c.logsf) / Math.max(1, Math.abs(c.logsf)));
    }
    const underflowing = cases.filter((c) => c.scipy === 0).length;
    assert.ok(underflowing >= 20, 'the fixture should hold cases where scipy underflows');
    t.diagnostic(`${cases.length} cases (${underflowing} where scipy gives 0); worst error of ln p ${worst.toExponential(2)} relative`);
  });

  it('agrees with ln chi2Sf where that is representable, and has the same edges', () => {
    assert.ok(Math.abs(chi2LogSf(20, 5) - Math.log(chi2Sf(20, 5))) <= 1e-14);
    assert.equal(chi2LogSf(0, 3), 0);
    assert.equal(chi2LogSf(Infinity, 3), -Infinity);
    assert.ok(Number.isNaN(chi2LogSf(1, 0)));
  });
});
