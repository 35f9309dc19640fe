/**
 * The deepest nesting a JSON request body may have, checked on the raw bytes before it is
 * parsed: a 1 MB body nested a million levels deep costs JSON.parse, and everything that walks
 * the result, most of a second of the event loop, while a real event is a few levels deep.
 */
export const MAX_JSON_DEPTH = 64;

/** Thrown by {@link checkJsonDepth}; the API answers it 400 (type `entity.too.deep`). */
export class TooDeepError extends Error {
  readonly type = 'entity.too.deep';
  constructor(
    readonly depth: number,
    readonly at: number,
  ) {
    super(`the JSON body is nested deeper than ${depth} levels (at byte ${at}); flatten it`);
  }
}

/**
 * Scans a JSON text for its nesting depth in one pass over the bytes (brackets inside strings do
 * not count), and throws as soon as it passes `max`. Invalid JSON is left to the parser.
 */
export function checkJsonDepth(body: Uint8Array, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new TooDeepError(max, i);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
