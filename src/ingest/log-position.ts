/** A partition's log as the broker has it: its first offset (the log start) and the offset after its last (the log end, the high watermark). */
export interface LogBounds {
  low: bigint;
  high: bigint;
}

/**
 * Where a partition that driftwatch has stored up to `stored` resumes, given its log now:
 * - `stored`: the stored position is inside the log (or at its end): resume there.
 * - `retention`: the log starts after the stored position, so Kafka's retention (or a
 *   DeleteRecords) removed messages that were never read: resume at the log start and count the
 *   gap as lost (Flink's and Spark's `failOnDataLoss` idea, whatever `startFrom` says).
 * - `new_log`: the log ends before the stored position, or its start went back (`before`, the
 *   bounds seen last), or the topic was gone and is back (`reappeared`): the topic was deleted and
 *   created again, and its offsets start over. The stored position means nothing in it, so the
 *   whole new log is read from its start. Without this, every offset of the new log below the
 *   old position looked "already stored" and was thrown away.
 */
export type ResumePoint =
  | { kind: 'stored' }
  | { kind: 'retention'; from: bigint; lost: bigint }
  | { kind: 'new_log'; from: bigint; reason: string };

export function resumePoint(stored: bigint, log: LogBounds, before?: LogBounds, reappeared = false): ResumePoint {
  if (reappeared) return { kind: 'new_log', from: log.low, reason: 'the topic was deleted and exists again' };
  if (stored > log.high)
    return { kind: 'new_log', from: log.low, reason: `its log ends at offset ${log.high}, before the stored position ${stored}` };
  if (before !== undefined && log.low < before.low)
    return { kind: 'new_log', from: log.low, reason: `its log start went back from offset ${before.low} to ${log.low}` };
  if (stored < log.low) return { kind: 'retention', from: log.low, lost: log.low - stored };
  return { kind: 'stored' };
}

/** The sentence the log and the docs use for a resume point other than `stored`. */
export function resumeMessage(where: string, stored: bigint, point: Exclude<ResumePoint, { kind: 'stored' }>): string {
  return point.kind === 'retention'
    ? `${where}: messages ${stored}-${point.from - 1n} (${point.lost}) were deleted by Kafka's retention before driftwatch read them: counted as lost; reading on from the log start, offset ${point.from}`
    : `${where}: a new log (${point.reason}): the topic was deleted and created again; reading the new log from its start, offset ${point.from} (the ${stored} offsets stored from the old log mean nothing in it)`;
}
