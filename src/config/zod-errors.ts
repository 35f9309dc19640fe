import type { z } from 'zod';

/**
 * One line per zod issue, each naming the path and the problem:
 * "features[2].kind: expected 'numeric' or 'categorical'".
 */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
        .join('');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
