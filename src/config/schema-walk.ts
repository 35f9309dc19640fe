import { globalRegistry, type z } from 'zod';

/**
 * Reading a zod schema's structure (its definition), shared by the configuration reference
 * (reference.ts) and the "did you mean" of unknown keys (zod-errors.ts), so both see the same
 * fields through the same wrappers.
 */

/** A zod schema's definition: its kind (`type`) and the kind's own fields. */
export type Def = { type: string; [key: string]: unknown };
/** The definition of a schema. */
export const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const describe = (schema: z.ZodType): string | undefined => (schema as unknown as { description?: string }).description;
/** The reader-facing type a schema declares with `.meta({ type })` (duration, path), if any. */
const declaredType = (schema: z.ZodType): string | undefined => (globalRegistry.get(schema) as { type?: string } | undefined)?.type;

/** A schema without its wrappers, and what the wrappers said. */
export interface Unwrapped {
  inner: z.ZodType;
  optional: boolean;
  fallback?: unknown;
  description?: string;
  declared?: string;
}

/** Peels wrappers (optional, default, pipe...) off a schema, collecting the default and the description. */
export function unwrap(schema: z.ZodType): Unwrapped {
  let current = schema;
  let optional = false;
  let fallback: unknown;
  let description = describe(schema);
  let declared = declaredType(schema);
  for (;;) {
    declared ??= declaredType(current);
    const def = defOf(current);
    if (def.type === 'optional') optional = true;
    else if (def.type === 'default' || def.type === 'prefault')
      fallback ??= typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
    else if (def.type === 'pipe') {
      current = def.in as z.ZodType;
      description ??= describe(current);
      continue;
    } else break;
    current = def.innerType as z.ZodType;
    description ??= describe(current);
  }
  declared ??= declaredType(current);
  return {
    inner: current,
    optional,
    ...(fallback !== undefined ? { fallback } : {}),
    ...(description ? { description } : {}),
    ...(declared ? { declared } : {}),
  };
}

/** The fields of an object schema. */
export const shapeOf = (schema: z.ZodType): Record<string, z.ZodType> => defOf(schema).shape as Record<string, z.ZodType>;

/** The literal values an object option pins (its discriminator: `type: email`), field by field. */
export function literalsOf(object: z.ZodType): Record<string, unknown[]> {
  const pinned: Record<string, unknown[]> = {};
  for (const [key, field] of Object.entries(shapeOf(object))) {
    const def = defOf(unwrap(field).inner);
    if (def.type === 'literal') pinned[key] = def.values as unknown[];
  }
  return pinned;
}

/** The object options of a union (a discriminated union's variants; `true | {ca, cert}`'s object). */
export function objectOptions(union: z.ZodType): z.ZodType[] {
  return (defOf(union).options as z.ZodType[]).map((o) => unwrap(o).inner).filter((o) => defOf(o).type === 'object');
}

/**
 * The keys an object at `path` of `input` may have, following the schema (through arrays,
 * records and unions: of a union's objects, the one whose literal fields match the input, as
 * zod chose it). Undefined when the path leads to no object schema.
 * @example knownKeysAt(DriftwatchConfig, ['models', 0, 'event'], raw) // => ['featuresPath', 'features', ...]
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] | undefined {
  let current = unwrap(schema).inner;
  let value = input;
  for (let i = 0; ; ) {
    const def = defOf(current);
    if (def.type === 'union') {
      const options = objectOptions(current);
      const matching = options.filter((o) =>
        Object.entries(literalsOf(o)).every(([k, values]) => values.includes((value as Record<string, unknown> | undefined)?.[k])),
      );
      const chosen = matching[0] ?? options[0];
      if (!chosen) return undefined;
      current = chosen;
      continue;
    }
    if (i === path.length) return def.type === 'object' ? Object.keys(shapeOf(current)) : undefined;
    const part = path[i++]!;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[part];
    if (def.type === 'object') current = shapeOf(current)[String(part)] as z.ZodType;
    else if (def.type === 'array') current = def.element as z.ZodType;
    else if (def.type === 'record') current = def.valueType as z.ZodType;
    else return undefined;
    if (!current) return undefined;
    current = unwrap(current).inner;
  }
}
