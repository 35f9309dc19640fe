import { z } from 'zod';

/**
 * The baseline profile: a model's training data as driftwatch keeps it (DESIGN.md, "Baseline
 * profile", a contract), stored as `baselines/<model>/<version>.json`. Zod first, the types
 * inferred; `src/baseline/profile.ts` reads and writes the files.
 */

/** The profile format's version; a reader refuses a profile of a version it does not know. */
export const PROFILE_SCHEMA_VERSION = 1;

const ColumnCounts = {
  name: z.string().min(1),
  /** DuckDB's type name of the training column, e.g. DOUBLE, BIGINT, VARCHAR, BOOLEAN. */
  dtype: z.string(),
  /** Rows of the file, nulls included. */
  rows: z.number().int().nonnegative(),
  /** Non-null (and, for numeric features, finite) values: the ones the statistics use. */
  count: z.number().int().nonnegative(),
  nulls: z.number().int().nonnegative(),
  nullShare: z.number().min(0).max(1),
};

/** A numeric feature's profile: moments, quantiles, bins, and a sorted sample for KS and Wasserstein. */
export const NumericFeatureProfile = z.object({
  ...ColumnCounts,
  kind: z.literal('numeric'),
  /** NaN and ±Infinity values: counted, left out of every statistic. */
  nonFinite: z.number().int().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  /** Population standard deviation (ddof = 0). */
  std: z.number().nullable(),
  quantiles: z.object({ probs: z.array(z.number()), values: z.array(z.number()) }),
  bins: z.object({
    /** Interior edges, ascending, distinct; bins are right-closed and the outer ones open. */
    edges: z.array(z.number()),
    /** Finite values per bin; `shares` are the same over their total. */
    counts: z.array(z.number().int().nonnegative()),
    shares: z.array(z.number().min(0).max(1)),
  }),
  sample: z
    .object({
      /** Seed of the sample; the sample is the whole column when it is not larger than the sample size. */
      seed: z.number().int(),
      complete: z.boolean(),
      /** Sorted ascending, finite. */
      values: z.array(z.number()),
      /**
       * With it, `values` are the column's distinct finite values and `counts` how often each
       * occurs: the column's exact distribution, held for a column with few distinct values
       * (an hour, a count), so KS, Cramér-von Mises and Wasserstein against the profile are the
       * same as against the data file it was made from.
       */
      counts: z.array(z.number().int().positive()).optional(),
    })
    .refine((s) => s.counts === undefined || s.counts.length === s.values.length, {
      message: 'counts must have one entry per value',
      path: ['counts'],
    }),
});
export type NumericFeatureProfile = z.infer<typeof NumericFeatureProfile>;

/** A categorical feature's profile: counts of every category up to a cap, the rest folded. */
export const CategoricalFeatureProfile = z.object({
  ...ColumnCounts,
  kind: z.literal('categorical'),
  cardinality: z.number().int().nonnegative(),
  /** Sorted by value (a stable order for bins and diffs). */
  categories: z.array(z.object({ value: z.string(), count: z.number().int().positive() })),
  /** Categories beyond the cap, folded into one count. */
  other: z.object({ categories: z.number().int().nonnegative(), count: z.number().int().nonnegative() }),
});
export type CategoricalFeatureProfile = z.infer<typeof CategoricalFeatureProfile>;

export const FeatureProfile = z.discriminatedUnion('kind', [NumericFeatureProfile, CategoricalFeatureProfile]);
export type FeatureProfile = z.infer<typeof FeatureProfile>;

/** A model's training baseline: the contract of DESIGN.md, stored as `baselines/<model>/<version>.json`. */
export const BaselineProfile = z.object({
  schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
  model: z.string().min(1),
  version: z.string().min(1),
  createdAt: z.string(),
  source: z.object({ file: z.string(), format: z.string(), rows: z.number().int().nonnegative() }),
  settings: z.object({
    bins: z.number().int().min(2),
    sampleSize: z.number().int().positive().nullable(),
    seed: z.number().int(),
    categoryCap: z.number().int().positive(),
  }),
  features: z.array(FeatureProfile),
  /** Columns of the training file that are not features (times, or excluded by --features). */
  ignored: z.array(z.object({ name: z.string(), dtype: z.string(), reason: z.string() })),
});
export type BaselineProfile = z.infer<typeof BaselineProfile>;
