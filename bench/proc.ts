// What the benches read of a process from /proc (Linux): resident memory and CPU time, the
// machine's busy time, and a summary of RSS sampled over a run.
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ), 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** VmRSS and VmHWM (peak) of a process, in MB; undefined once it is gone. */
export function readRss(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; NaN once it is gone. */
export function readCpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** CPU seconds all CPUs of the machine have been busy since boot, from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** One RSS reading: seconds since the run started, MB. */
export interface RssSample {
  seconds: number;
  mb: number;
}

/** RSS over a run: range, and the least-squares slope after the warm-up. */
export interface RssSummary {
  samples: number;
  min: number;
  max: number;
  first: number;
  last: number;
  /** Least-squares slope of the samples after `warmupSeconds`, in MB per minute. */
  slopeMbPerMinute: number;
  /** min-max after the warm-up. */
  steadyMin: number;
  steadyMax: number;
  /**
   * The same slope through each minute's lowest reading after the warm-up: short spikes (a check
   * reading its window) move it little, while a leak raises every minute's floor.
   */
  floorSlopeMbPerMinute: number;
  /** Each minute's lowest reading after the warm-up. */
  floors: RssSample[];
}

/** Least-squares slope of MB over time, in MB per minute (NaN under 3 points). */
function slope(samples: readonly RssSample[]): number {
  const n = samples.length;
  if (n < 3) return NaN;
  const mx = samples.reduce((a, s) => a + s.seconds, 0) / n;
  const my = samples.reduce((a, s) => a + s.mb, 0) / n;
  const sxy = samples.reduce((a, s) => a + (s.seconds - mx) * (s.mb - my), 0);
  const sxx = samples.reduce((a, s) => a + (s.seconds - mx) ** 2, 0);
  return (sxy / sxx) * 60;
}

/**
 * Summarises RSS samples. The slope leaves out the warm-up, when caches, pools and the JIT fill
 * and RSS climbs for reasons that are not a leak.
 */
export function summariseRss(samples: readonly RssSample[], warmupSeconds: number): RssSummary {
  const mbs = samples.map((s) => s.mb);
  const steady = samples.filter((s) => s.seconds >= warmupSeconds);
  const n = steady.length;
  const byMinute = new Map<number, RssSample>();
  for (const s of steady) {
    const minute = Math.floor((s.seconds - warmupSeconds) / 60);
    const low = byMinute.get(minute);
    if (!low || s.mb < low.mb) byMinute.set(minute, s);
  }
  const floors = [...byMinute.values()];
  return {
    samples: samples.length,
    min: Math.min(...mbs),
    max: Math.max(...mbs),
    first: mbs[0] ?? NaN,
    last: mbs[mbs.length - 1] ?? NaN,
    slopeMbPerMinute: slope(steady),
    floorSlopeMbPerMinute: slope(floors),
    floors,
    steadyMin: n > 0 ? Math.min(...steady.map((s) => s.mb)) : NaN,
    steadyMax: n > 0 ? Math.max(...steady.map((s) => s.mb)) : NaN,
  };
}

/** At most ~30 RSS values, evenly spaced, as "MB every k samples". */
export function rssSeries(samples: readonly RssSample[]): string {
  const step = Math.max(1, Math.ceil(samples.length / 30));
  return samples
    .filter((_, i) => i % step === 0)
    .map((s) => s.mb.toFixed(0))
    .join(' ');
}
