import { z } from 'zod';

/** A replay run inside the serving process (`POST /api/v1/models/{model}/replays`), as it runs and after. */
export const ReplayJob = z.object({
  id: z.string(),
  model: z.string(),
  status: z
    .enum(['planning', 'running', 'done', 'failed'])
    .describe('planning the offset ranges, reading them, done, or failed (see error)'),
  from: z.string().describe('the start asked for, as given: an offset, a time or a duration ago'),
  to: z.string().nullable().describe('the end asked for (exclusive), or null: the end of the topic when the replay started'),
  ranges: z
    .array(z.object({ topic: z.string(), partition: z.number().int(), from: z.string(), to: z.string() }))
    .describe('the offset ranges [from, to) read, once planned; they stop at the live consumer’s stored offsets'),
  total: z.number().int().describe('messages in the ranges'),
  read: z.number().int().describe('messages read so far'),
  progress: z.number().describe('0..1'),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ReplayJob = z.infer<typeof ReplayJob>;
