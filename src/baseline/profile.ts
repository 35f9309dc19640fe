import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError, messageOf } from '../errors.js';
import { formatZodError } from '../config/zod-errors.js';
import { BaselineProfile } from '../contracts/profile.js';

/** Writes a profile as pretty JSON (diffable in a pull request), creating the folder. */
export function writeProfile(path: string, profile: BaselineProfile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(profile, null, 1)}\n`);
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
