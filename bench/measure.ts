import { spawn } from 'node:child_process';

/** Wall time and peak resident memory of one child process. */
export interface Measurement {
  seconds: number;
  /** User + system CPU time of the child. */
  cpuSeconds: number;
  peakRssMb: number;
  code: number | null;
  stderr: string;
}

/**
 * Runs a command under GNU time, which reads the child's peak RSS from the kernel (native memory
 * of DuckDB included, which process.memoryUsage() would not see).
 */
export function measure(command: string, args: string[]): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (!match) return reject(new Error(`no timing from /usr/bin/time: ${stderr}`));
      resolve({
        seconds: Number(match[1]),
        peakRssMb: Number(match[2]) / 1024,
        cpuSeconds: Number(match[3]) + Number(match[4]),
        code,
        stderr: stderr.replace(match[0], '').trim(),
      });
    });
  });
}
