/**
 * Runs store writes one after another. Give the same lock to two writers on different
 * connections that may touch one row: DuckDB refuses the second of two concurrent transactions
 * that update a row ("Conflict on update", a write-write conflict).
 * @example const lock = new WriteLock(); await lock.run(() => writer.write(batch));
 */
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => {});
    return result;
  }
}
