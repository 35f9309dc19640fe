import type { z } from 'zod';

/**
 * The first `limit` zod issues (and how many more), each naming the path and the problem:
 * "features[2].kind: expected 'numeric' or 'categorical'".
 */
export function formatZodError(error: z.ZodError, limit = 5): string {
  const lines = error.issues
    .slice(0, limit)
    .map((issue) => {
      const path = issue.path
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
        .join('');
      return `${path || '(root)'}: ${issue.message}`;
    });
  const more = error.issues.length - lines.length;
  return more > 0 ? `${lines.join('; ')} (and ${more} more)` : lines.join('; ');
}
