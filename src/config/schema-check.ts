import { z } from 'zod';

/**
 * When the schema findings of a check alert (`src/checks/schema.ts`): the `schema` object of a
 * model's config. A finding below its minimum share is still listed in the report, marked
 * `alerting: false`, so a single stray value is visible without paging anyone.
 */

/** The alerting minimums of the schema findings (shares of the window's rows, 0..1). */
export interface SchemaCheckSettings {
  /** Values in categories the baseline never had: the least share that alerts. */
  minUnseenShare: number;
  /** Values of the wrong type (text in a numeric feature, a number where the baseline had text...): the least share that alerts. */
  minTypeMismatchShare: number;
}

/**
 * The defaults, in one place. Why 0.5% of unseen values: a long-tailed category (a new city, a
 * new device model) shows up once in a few thousand events in any healthy stream (one in 3,338
 * is 0.03%), while a new category in one event of 200 is a segment the model never saw; the
 * drift decision's own minimum for unseen values is 1% (`unseen_share`), so the schema finding
 * alerts a little earlier. Why 0.1% of wrong-typed values: a wrong type is a bug upstream, not
 * noise, so the bar is lower, but one malformed value in thousands is a stray, not a skew.
 */
export const DEFAULT_SCHEMA_CHECK: SchemaCheckSettings = {
  minUnseenShare: 0.005,
  minTypeMismatchShare: 0.001,
};

export const SchemaCheckConfig = z
  .object({
    minUnseenShare: z
      .number()
      .min(0)
      .max(1)
      .default(DEFAULT_SCHEMA_CHECK.minUnseenShare)
      .describe('share of values in categories the baseline never had from which the finding alerts (0: any); below it, reported only'),
    minTypeMismatchShare: z
      .number()
      .min(0)
      .max(1)
      .default(DEFAULT_SCHEMA_CHECK.minTypeMismatchShare)
      .describe('share of values of the wrong type from which the finding alerts (0: any); below it, reported only'),
  })
  .strict()
  .describe('when schema findings alert: the least share of the window they must reach (the report lists every finding)');
