import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError, messageOf } from '../errors.js';
import { formatZodError } from '../config/zod-errors.js';
import { BaselineProfile } from '../contracts/profile.js';

/** Writes a profile as pretty JSON (diffable in a pull request), creating the folder. */
export function writeProfile(path: string, profile: BaselineProfile, options: { overwrite?: boolean } = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  try {
    // 'wx' fails if the file appeared since the check before profiling: a version is never replaced by accident.
    writeFileSync(path, `${JSON.stringify(profile, null, 1)}\n`, { flag: options.overwrite === false ? 'wx' : 'w' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw existingBaseline(path);
    throw error;
  }
}

function existingBaseline(path: string): UserError {
  return new UserError(
    `baseline '${path}' exists already; a stored version is not replaced (the API answers 409 too): choose another --version or --out, or pass --force to overwrite it`,
  );
}

/** Refuses, before any work, to write over a stored profile unless `force` (`baseline create --force`). */
export function refuseOverwrite(path: string, force: boolean): void {
  if (!force && existsSync(path)) throw existingBaseline(path);
}

/** Reads and validates a profile; a missing, corrupt or invalid file gives a UserError naming it. */
export function readProfile(path: string): BaselineProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read baseline profile '${path}': ${messageOf(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`baseline profile '${path}' is not valid JSON: ${messageOf(error)}`);
  }
  const parsed = BaselineProfile.safeParse(json);
  if (!parsed.success) throw new UserError(`baseline profile '${path}' is invalid: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** True when a file looks like a stored profile rather than a data file. */
export function looksLikeProfile(path: string): boolean {
  if (!path.toLowerCase().endsWith('.json')) return false;
  try {
    const head = readFileSync(path, 'utf8').slice(0, 2000);
    return /^\s*\{\s*"schemaVersion"/.test(head);
  } catch {
    return false;
  }
}
