/**
 * The two clocks driftwatch reads: the wall clock (what a cron time or a stored instant means)
 * and the monotonic one (what timers and waits run on). An NTP step, a VM resumed or an
 * operator's `date -s` moves only the first; a wait measured on the second is not stretched.
 */

/** A reading of both clocks, in ms. */
export interface ClockReading {
  wall: number;
  mono: number;
}

/** Reads both clocks now. */
export function readClocks(): ClockReading {
  return { wall: Date.now(), mono: performance.now() };
}

/**
 * How far the wall clock stepped between two readings: its move minus the monotonic clock's.
 * Negative when it went back.
 * @example clockStep({ wall: 10_000, mono: 0 }, { wall: 11_000 - 86_400_000, mono: 1_000 }) // => -86_400_000
 */
export function clockStep(before: ClockReading, now: ClockReading): number {
  return now.wall - before.wall - (now.mono - before.mono);
}
