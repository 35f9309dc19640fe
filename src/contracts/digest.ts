import { z } from 'zod';
import { FeatureDecision, FeatureKindSchema, SchemaFindings, StatValueSchema } from './report.js';

/**
 * The scheduled drift report of a model (the digest): what `src/reports/digest.ts` builds from the
 * store and `src/render/mail/digest.ts` renders as an email. Zod first, the types inferred, like
 * the other contracts, so the builder and the renderer read one definition.
 */

/** One feature's drift over a digest's period: its score at each check, oldest first. */
export const FeatureTrend = z.object({
  name: z.string(),
  kind: FeatureKindSchema,
  /** Checks in the period in which it drifted. */
  drifted: z.number(),
  /** One point per check: its time, PSI and whether it drifted. */
  points: z.array(z.object({ at: z.string(), psi: z.number().nullable(), drift: z.boolean() })),
  /** The statistics of the newest check that compared the feature (those stored as null left out). */
  latest: z.record(z.string(), StatValueSchema),
  /**
   * That check's decision: the evidence test it used and the size that decided, so the digest
   * names the same test as the check report. Absent for reports older than decisions.
   */
  decision: FeatureDecision.pick({ test: true, effect: true }).optional(),
});
export type FeatureTrend = z.infer<typeof FeatureTrend>;

/**
 * A scheduled drift report of one model over a period (the digest emailed to subscribers):
 * data volume, checks run, each feature's drift over the period, the top drifted features,
 * schema findings, alerts fired and resolved.
 */
export const Digest = z.object({
  model: z.string(),
  period: z.object({ start: z.string(), end: z.string() }),
  /** Events stored in the period (samples rows by `_ts`), and messages quarantined in it. */
  volume: z.object({ events: z.number(), quarantined: z.number() }),
  checks: z.object({ total: z.number(), drift: z.number(), ok: z.number(), insufficientData: z.number() }),
  /** Every feature seen in the period's checks, worst first (most drifted checks, then highest last PSI). */
  features: z.array(FeatureTrend),
  /** Names of the features that drifted most often, worst first (at most 5; only features that drifted). */
  topDrifted: z.array(z.string()),
  /** The schema findings of the last check of the period that compared data (not insufficient data). */
  schema: SchemaFindings,
  /** When that check finished (ISO), or null when no check of the period compared data. */
  schemaCheckedAt: z.string().nullable(),
  alerts: z.object({
    fired: z.array(z.object({ feature: z.string(), kind: z.string(), severity: z.string(), at: z.string() })),
    resolved: z.array(z.object({ feature: z.string(), kind: z.string(), at: z.string() })),
  }),
  dashboardUrl: z.string().nullable(),
  generatedAt: z.string(),
});
export type Digest = z.infer<typeof Digest>;
