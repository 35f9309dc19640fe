import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { benjaminiHochberg, bonferroni, CORRECTION_NAMES, CORRECTIONS, getCorrection, holm } from './correction.js';

// statsmodels multipletests(method='bonferroni'|'holm'|'fdr_bh') on the non-NaN p-values;
// JSON null stands for NaN. From scripts/reference/gen_chi2_fixtures.py.
const nullableNumbers = z.array(z.number().nullable()).transform((values) => values.map((v) => v ?? NaN));
const Fixture = z.object({
  cases: z.array(
    z.object({
      name: z.string(),
      pvalues: nullableNumbers,
      bonferroni: nullableNumbers,
      holm: nullableNumbers,
      'benjamini-hochberg': nullableNumbers,
    }),
  ),
});
const cases = Fixture.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/correction_cases.json', import.meta.url), 'utf8'))).cases;

function relativeError(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  return got === want ? 0 : Math.abs(got - want) / Math.abs(want);
}

describe('corrections against statsmodels', () => {
  for (const correction of CORRECTIONS) {
    it(`${correction.name} matches multipletests`, (t) => {
      let worst = 0;
      for (const c of cases) {
        const got = correction.adjust(c.pvalues);
        const want = c[correction.name];
        assert.equal(got.length, want.length);
        got.forEach((value, i) => {
          const error = relativeError(value, want[i] ?? NaN);
          assert.ok(error <= 1e-15, `${c.name}[${i}]: ${value}, want ${want[i]}`);
          worst = Math.max(worst, error);
        });
      }
      t.diagnostic(`${cases.length} vectors, worst relative error ${worst.toExponential(2)}`);
    });
  }
});

describe('corrections', () => {
  it('adjust the documented examples', () => {
    const close = (got: number[], want: number[]) =>
      assert.ok(
        got.every((g, i) => relativeError(g, want[i] ?? NaN) <= 1e-15),
        `${got} != ${want}`,
      );
    close(bonferroni([0.01, 0.04, NaN]), [0.02, 0.08, NaN]);
    close(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06]);
    close(benjaminiHochberg([0.01, 0.04, 0.03]), [0.03, 0.04, 0.04]);
  });

  it('leave NaN in place and out of m', () => {
    for (const { adjust } of CORRECTIONS) {
      assert.deepEqual(adjust([NaN, 0.02, NaN]), [NaN, 0.02, NaN]);
      assert.deepEqual(adjust([]), []);
      assert.deepEqual(adjust([NaN]), [NaN]);
    }
  });

  it('reject p-values outside [0, 1]', () => {
    for (const { adjust } of CORRECTIONS) {
      assert.throws(() => adjust([0.5, 1.5]), /\[0, 1\]/);
      assert.throws(() => adjust([-0.1]), /\[0, 1\]/);
    }
  });

  it('are listed in one registry, and a wrong name lists the known ones', () => {
    assert.deepEqual(
      CORRECTIONS.map((c) => c.name),
      [...CORRECTION_NAMES],
    );
    assert.equal(getCorrection('holm').adjust, holm);
    assert.throws(() => getCorrection('x'), {
      message: "unknown correction 'x'; known: bonferroni, holm, benjamini-hochberg",
    });
  });
});

/** p-values with ties, exact 0 and 1, tiny values and NaN mixed in. */
const pvalues = fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.05, 1e-300, NaN)), { maxLength: 60 });

describe('correction properties', () => {
  for (const { name, adjust } of CORRECTIONS) {
    it(`${name}: raw <= adjusted <= 1, NaN where the input is NaN`, () => {
      fc.assert(
        fc.property(pvalues, (raw) => {
          const adjusted = adjust(raw);
          return raw.every((p, i) => {
            const q = adjusted[i] ?? -1;
            return Number.isNaN(p) ? Number.isNaN(q) : q >= p && q <= 1;
          });
        }),
      );
    });

    it(`${name}: monotone in the raw p-values and independent of their order`, () => {
      fc.assert(
        fc.property(pvalues, (raw) => {
          const adjusted = adjust(raw);
          const reversed = adjust([...raw].reverse()).reverse();
          assert.deepEqual(reversed, adjusted);
          raw.forEach((p, i) => {
            raw.forEach((r, j) => {
              if (p <= r) assert.ok((adjusted[i] ?? NaN) <= (adjusted[j] ?? NaN), `${p} -> ${adjusted[i]}, ${r} -> ${adjusted[j]}`);
            });
          });
        }),
      );
    });
  }

  it('order by strictness: Benjamini-Hochberg <= Holm <= Bonferroni', () => {
    fc.assert(
      fc.property(pvalues, (raw) => {
        const [bh, h, b] = [benjaminiHochberg(raw), holm(raw), bonferroni(raw)];
        // BH divides by k/m where Holm multiplies by m - k + 1: allow the last bit.
        return raw.every((p, i) => Number.isNaN(p) || ((bh[i] ?? NaN) <= (h[i] ?? NaN) * (1 + 1e-15) && (h[i] ?? NaN) <= (b[i] ?? NaN)));
      }),
    );
  });
});
