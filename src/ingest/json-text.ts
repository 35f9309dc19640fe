/**
 * A parsed event's JSON text, as Kafka would carry it (for the quarantine of an HTTP event).
 * JSON.stringify recurses and overflows the stack on an event nested a few thousand levels deep
 * (a 10 kB body holds one); such an event is written out without recursion instead.
 */
export function jsonText(event: unknown): string {
  try {
    return JSON.stringify(event) ?? '';
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return stringifyWithoutRecursion(event);
  }
}

/** JSON.stringify of parsed JSON (plain objects, arrays and primitives) with an explicit stack. */
function stringifyWithoutRecursion(root: unknown): string {
  const out: string[] = [];
  const stack: ({ text: string } | { value: unknown })[] = [{ value: root }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const { value } = item;
    if (value === null || typeof value !== 'object') {
      out.push(JSON.stringify(value) ?? 'null');
      continue;
    }
    const array = Array.isArray(value);
    const entries: [string | undefined, unknown][] = array
      ? (value as unknown[]).map((v) => [undefined, v])
      : Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
    stack.push({ text: array ? ']' : '}' });
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, v] = entries[i]!;
      stack.push({ value: v });
      if (key !== undefined) stack.push({ text: `${JSON.stringify(key)}:` });
      if (i > 0) stack.push({ text: ',' });
    }
    stack.push({ text: array ? '[' : '{' });
  }
  return out.join('');
}
