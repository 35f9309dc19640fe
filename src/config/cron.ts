import cron from 'node-cron';

/** Checks of the schedule settings, at config load: a bad expression or zone stops start-up with its path. */

/** True for a cron expression node-cron accepts (5 fields, or 6 with seconds). */
export function validCron(expression: string): boolean {
  return cron.validate(expression);
}

/** True for an IANA time zone the runtime knows. */
export function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
