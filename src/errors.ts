/**
 * An error caused by the user's input (a file, an option, a config): the CLI prints its message
 * without a stack trace and exits with code 2. The message names what is wrong and where.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** The message of anything thrown, for logs and CLI output. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
