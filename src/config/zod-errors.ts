import type { z } from 'zod';

/** Longest issue message kept. */
const MAX_ISSUE_LENGTH = 240;

/**
 * The first `limit` zod issues (and how many more), each naming the path and the problem:
 * "features[2].kind: expected 'numeric' or 'categorical'".
 */
export function formatZodError(error: z.ZodError, limit = 5): string {
  const lines = error.issues.slice(0, limit).map((issue) => {
    const path = issue.path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
      .join('');
    // Messages that quote the value ("got '...'") are cut: a 5 MB string in a config or a body
    // must not come back as a 5 MB error line.
    const message = issue.message.length > MAX_ISSUE_LENGTH ? `${issue.message.slice(0, MAX_ISSUE_LENGTH)}…` : issue.message;
    return `${path || '(root)'}: ${message}`;
  });
  const more = error.issues.length - lines.length;
  return more > 0 ? `${lines.join('; ')} (and ${more} more)` : lines.join('; ');
}
