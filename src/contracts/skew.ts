import { z } from 'zod';

/**
 * The row-level training-serving skew report (issue 17 part 5, after TFDV's DetectFeatureSkew):
 * the JSON of `driftwatch skew --format json`. The training pipeline's features and the served
 * features of the same request ids, joined by id, compared value by value. It catches "same
 * distribution, wrong values" (a column swapped between rows, a unit change on some rows), which
 * no distribution statistic can. Zod first; the types are inferred and tests parse real output.
 */

/** How one feature's values are compared: numbers within the tolerance, anything else as exact text. */
export const SKEW_COMPARISONS = ['numeric', 'categorical'] as const;

/** A value as the report quotes it: DuckDB's text of the value (numbers in their shortest exact form), null for a missing value. */
const QuotedValue = z.string().nullable();

/** Ids present on one side only, or duplicated on a side, with a few of them. */
const IdCount = z.object({
  count: z.number().int().nonnegative(),
  examples: z.array(z.string()).meta({ description: 'up to 5 ids, in id order' }),
});

/** One input file of the join. */
export const SkewSideSchema = z.object({
  file: z.string(),
  rows: z.number().int().nonnegative(),
  /** Rows whose id is null: they cannot be joined and are left out. */
  nullIds: z.number().int().nonnegative(),
  /** Ids found on more than one row of this side: all their rows are left out of the comparison. */
  duplicateIds: IdCount.extend({ rows: z.number().int().nonnegative().meta({ description: 'rows holding a duplicated id' }) }),
  /** Ids of this side that the other side lacks. */
  only: IdCount,
  /** Columns of this side that the other lacks (never compared). */
  unmatchedColumns: z.array(z.string()),
});
export type SkewSide = z.infer<typeof SkewSideSchema>;

/** One id where the two sides differ, with both values. */
export const SkewSampleSchema = z.object({ id: z.string(), training: QuotedValue, serving: QuotedValue });

/** One feature's comparison over the ids found once on each side. */
export const SkewFeatureSchema = z.object({
  name: z.string(),
  comparison: z.enum(SKEW_COMPARISONS),
  types: z.object({ training: z.string(), serving: z.string() }),
  /** Ids compared (present once on each side). */
  compared: z.number().int().nonnegative(),
  /** Of those, ids whose values differ (null against a value counts; two nulls are equal). */
  differing: z.number().int().nonnegative(),
  /** differing / compared; 0 when nothing was compared. */
  share: z.number().min(0).max(1),
  /** Differing ids whose training value is null and serving value is not, and the other way round. */
  nullOnlyIn: z.object({ training: z.number().int().nonnegative(), serving: z.number().int().nonnegative() }),
  /** Numeric comparison: the largest |training - serving| among differing ids with two finite values. */
  maxAbsDifference: z.number().nullable().optional(),
  /** Categorical comparison: the most frequent (training value -> serving value) pairs among differing ids, at most 10. */
  topPairs: z.array(z.object({ training: QuotedValue, serving: QuotedValue, count: z.number().int().positive() })).optional(),
  /** Up to 5 differing ids, in id order, with both values. */
  samples: z.array(SkewSampleSchema),
  /** share > the report's failOnSkew threshold. */
  skew: z.boolean(),
});
export type SkewFeature = z.infer<typeof SkewFeatureSchema>;

/** The report of `driftwatch skew`. */
export const SkewReportSchema = z.object({
  id: z.string().meta({ description: 'the join key column' }),
  /** The id columns' types; when they differ, both were joined as text. */
  idTypes: z.object({ training: z.string(), serving: z.string() }),
  training: SkewSideSchema,
  serving: SkewSideSchema,
  /** Ids present once on each side: the rows compared. */
  joined: z.number().int().nonnegative(),
  /** Numbers t and s are equal when |t - s| <= tolerance * max(1, |t|, |s|). */
  tolerance: z.number().nonnegative(),
  /** A feature is skewed when its differing share is above this (0: any differing id). */
  failOnSkew: z.number().min(0).max(1),
  /** True when any feature is skewed. */
  skew: z.boolean(),
  features: z.array(SkewFeatureSchema),
  generatedAt: z.string(),
});
export type SkewReport = z.infer<typeof SkewReportSchema>;
