import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * A tmpfs of a given size, for tests that fill a disk under the service. Mounting needs root:
 * where it is not allowed, `skip` holds the reason and the test skips with it.
 */
export class SmallDisk {
  readonly skip: string | false;
  private mounted = false;

  constructor(
    readonly dir: string,
    size: string,
  ) {
    mkdirSync(dir, { recursive: true });
    try {
      mount(['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
      this.mounted = true;
      this.skip = false;
    } catch (error) {
      this.skip = `cannot mount a small tmpfs to fill (needs root): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
      process.stderr.write(`# skipped: ${this.skip}\n`);
    }
  }

  /** Gives the disk a new size, keeping its files (space back). */
  resize(size: string): void {
    mount(['-o', `remount,size=${size}`, this.dir]);
  }

  /** The `df -h` line of the disk, for the test's log. */
  usage(): string {
    return execFileSync('df', ['-h', this.dir]).toString().split('\n')[1] ?? '';
  }

  unmount(): void {
    if (this.mounted) execFileSync('umount', ['-l', this.dir]);
    this.mounted = false;
  }
}

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
