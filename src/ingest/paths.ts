import type { JsonPath } from '../config/schema.js';
import type { CompiledPath } from '../contracts/event.js';

/**
 * Compiles a config path: "a.b[0].c" -> ["a", "b", 0, "c"]; a list of keys is taken as it is
 * (for field names that hold dots or brackets).
 * @example compilePath('request.items[2].price') // => ['request', 'items', 2, 'price']
 */
export function compilePath(path: JsonPath): CompiledPath {
  if (Array.isArray(path)) return path;
  const parts: (string | number)[] = [];
  for (const segment of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!match) throw new Error(`bad path segment '${segment}' in '${path}'`);
    if (match[1]) parts.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Reads a path in a parsed JSON value; undefined when any step is absent. Only own properties
 * are read, so keys like `__proto__` or `constructor` in an event never reach prototypes.
 */
export function readPath(value: unknown, path: CompiledPath): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current) || key >= current.length) return undefined;
      current = current[key];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !hasOwn.call(current, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current;
}
