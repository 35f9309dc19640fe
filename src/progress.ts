import cliProgress from 'cli-progress';

/** Reports progress 0..1 with a label. */
export type ProgressFn = (fraction: number, label: string) => void;

/**
 * A progress bar on stderr when it is a terminal (so piped JSON on stdout stays clean and CI
 * logs are not flooded), nothing otherwise. `stop()` clears it.
 */
export function terminalProgress(title: string, stream: NodeJS.WriteStream = process.stderr): { update: ProgressFn; stop: () => void } {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: `${title} [{bar}] {percentage}% | {label}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { label: '' });
  return {
    update: (fraction, label) => bar.update(Math.round(fraction * 100), { label }),
    stop: () => bar.stop(),
  };
}
