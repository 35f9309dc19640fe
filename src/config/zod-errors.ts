import type { z } from 'zod';
import { knownKeysAt } from './schema-walk.js';
import { closestName } from './suggest.js';

/** Longest issue message kept. */
const MAX_ISSUE_LENGTH = 240;
/** Longest unknown key quoted back. */
const MAX_KEY_LENGTH = 60;

/** What was parsed, so an unknown key can be answered with the keys known at its place. */
export interface ParsedAgainst {
  schema: z.ZodType;
  input: unknown;
}

const formatPath = (path: readonly PropertyKey[]) =>
  path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');

/** One line per unknown key, with the closest known key at that place and the known ones. */
function unknownKeyLines(issue: z.core.$ZodIssueUnrecognizedKeys, against: ParsedAgainst): string[] {
  const known = knownKeysAt(against.schema, issue.path, against.input);
  if (!known) return [issue.message];
  return issue.keys.map((key) => {
    const quoted = key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH)}…` : key;
    const closest = closestName(key, known);
    return `Unrecognized key "${quoted}"${closest ? `: did you mean "${closest}"?` : ''} (known: ${known.join(', ')})`;
  });
}

/**
 * The first `limit` zod issues (and how many more), each naming the path and the problem:
 * "features[2].kind: expected 'numeric' or 'categorical'". Given the schema and the input, an
 * unknown key names the closest known one: `models[0].event: Unrecognized key "featurePath": did
 * you mean "featuresPath"?`.
 */
export function formatZodError(error: z.ZodError, limit = 5, against?: ParsedAgainst): string {
  const all = error.issues.flatMap((issue) => {
    const messages = issue.code === 'unrecognized_keys' && against ? unknownKeyLines(issue, against) : [issue.message];
    return messages.map((message) => ({ path: issue.path, message }));
  });
  const lines = all.slice(0, limit).map(({ path, message }) => {
    // Messages that quote the value ("got '...'") are cut: a 5 MB string in a config or a body
    // must not come back as a 5 MB error line.
    const cut = message.length > MAX_ISSUE_LENGTH ? `${message.slice(0, MAX_ISSUE_LENGTH)}…` : message;
    return `${formatPath(path) || '(root)'}: ${cut}`;
  });
  const more = all.length - lines.length;
  return more > 0 ? `${lines.join('; ')} (and ${more} more)` : lines.join('; ');
}
