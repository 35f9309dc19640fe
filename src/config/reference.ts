import { globalRegistry, type z } from 'zod';
import { DriftwatchConfig } from './schema.js';

/** One row of the configuration reference. */
export interface ReferenceRow {
  path: string;
  type: string;
  default: string;
  description: string;
}

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const describe = (schema: z.ZodType): string | undefined => (schema as unknown as { description?: string }).description;
/** The reader-facing type a schema declares with `.meta({ type })` (duration, path), if any. */
const declaredType = (schema: z.ZodType): string | undefined => (globalRegistry.get(schema) as { type?: string } | undefined)?.type;

/** Peels wrappers (optional, default, pipe...) off a schema, collecting the default and the description. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; fallback?: unknown; description?: string; declared?: string } {
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

/** A short type name a reader understands: string, number, list of string, one of a|b... */
function typeName(schema: z.ZodType): string {
  const { inner, declared } = unwrap(schema);
  if (declared) return declared;
  const def = defOf(inner);
  switch (def.type) {
    case 'array':
      return `list of ${typeName(def.element as z.ZodType)}`;
    case 'enum':
      return Object.values(def.entries as Record<string, string>)
        .map((v) => `\`${v}\``)
        .join(' \\| ');
    case 'literal':
      return (def.values as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
    case 'union':
      return (def.options as z.ZodType[]).map(typeName).join(' or ');
    case 'record':
      return `map of ${typeName(def.valueType as z.ZodType)}`;
    case 'object':
      return 'object';
    default:
      return def.type;
  }
}

function walk(schema: z.ZodType, path: string, rows: ReferenceRow[]): void {
  const { inner, optional, fallback, description, declared } = unwrap(schema);
  const def = defOf(inner);
  const required = !optional && fallback === undefined;
  if (path && !path.endsWith('[]')) {
    rows.push({
      path,
      type: declared ?? typeName(inner),
      default: fallback !== undefined && typeof fallback !== 'object' ? `\`${String(fallback)}\`` : required ? '**required**' : '',
      description: description ?? '',
    });
  }
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(child, path ? `${path}.${key}` : key, rows);
  } else if (def.type === 'array') {
    const element = unwrap(def.element as z.ZodType).inner;
    if (defOf(element).type === 'object') walk(def.element as z.ZodType, `${path}[]`, rows);
  } else if (def.type === 'union') {
    for (const option of def.options as z.ZodType[]) if (defOf(unwrap(option).inner).type === 'object') walk(option, path, rows);
  }
}

/** Every field of the configuration, walked from the zod schema (the single source of truth). */
export function configReference(): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  walk(DriftwatchConfig as unknown as z.ZodType, '', rows);
  // A union of objects adds its fields under the same path; keep the first row of a path.
  return rows.filter((row, i) => rows.findIndex((r) => r.path === row.path) === i);
}

/** The reference as a Markdown table, as it stands in docs/configuration.md. */
export function configReferenceMarkdown(): string {
  const escape = (s: string) => s.replaceAll('|', '\\|');
  const lines = configReference().map((r) => `| \`${r.path}\` | ${r.type} | ${r.default} | ${escape(r.description)} |`);
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...lines].join('\n');
}
