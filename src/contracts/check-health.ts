/** A model's checks failing in a row: how many, from when to when (epoch ms), and the last error. */
export interface CheckFailures {
  model: string;
  count: number;
  since: number;
  last: number;
  error: string;
}

/** What a model's checks did lately, in this process: for readiness, the metrics and the check-failing alert. */
export interface CheckHealth {
  /** Checks (scheduled or asked for) that failed since the process started. */
  failedTotal: number;
  /** The end of the last check (epoch ms) and whether it succeeded; absent before the first. */
  last?: { at: number; ok: boolean };
  /** The failures in a row up to the last check; absent once one succeeds. */
  failing?: CheckFailures;
}
