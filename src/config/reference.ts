import type { z } from 'zod';
import { DriftwatchConfig } from './schema.js';
import { defOf, literalsOf, objectOptions, unwrap } from './schema-walk.js';

/** One row of the configuration reference. */
export interface ReferenceRow {
  path: string;
  type: string;
  default: string;
  description: string;
  /** Which variants of a union the row is about, when a field is defined differently by them (`url` of a webhook, of PagerDuty). */
  variants?: string;
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
      if (typeof def.discriminator === 'string')
        return `object by ${def.discriminator}: ${variants(inner)
          .map(([value]) => `\`${value}\``)
          .join(' \\| ')}`;
      return (def.options as z.ZodType[]).map(typeName).join(' or ');
    case 'record':
      return `map of ${typeName(def.valueType as z.ZodType)}`;
    case 'object':
      return 'object';
    default:
      return def.type;
  }
}

/** A discriminated union's variants: the discriminator's value of each, and its object. */
function variants(union: z.ZodType): [string, z.ZodType][] {
  const discriminator = defOf(union).discriminator as string;
  return objectOptions(union).map((o) => [String(literalsOf(o)[discriminator]?.[0]), o]);
}

/** What a default looks like in the table: scalars and lists as written in the file; objects (filled in below) not at all. */
function defaultText(fallback: unknown): string {
  if (Array.isArray(fallback)) return `\`${JSON.stringify(fallback)}\``;
  return typeof fallback !== 'object' ? `\`${String(fallback)}\`` : '';
}

function walk(schema: z.ZodType, path: string, rows: ReferenceRow[]): void {
  const { inner, optional, fallback, description, declared } = unwrap(schema);
  const def = defOf(inner);
  const required = !optional && fallback === undefined;
  if (path && !path.endsWith('[]')) {
    rows.push({
      path,
      type: declared ?? typeName(inner),
      default: fallback !== undefined ? defaultText(fallback) : required ? '**required**' : '',
      description: description ?? '',
    });
  }
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(child, path ? `${path}.${key}` : key, rows);
  } else if (def.type === 'array') {
    const element = unwrap(def.element as z.ZodType).inner;
    if (['object', 'union'].includes(defOf(element).type)) walk(def.element as z.ZodType, `${path}[]`, rows);
  } else if (def.type === 'union' && typeof def.discriminator === 'string') {
    walkVariants(inner, def.discriminator, path, rows);
  } else if (def.type === 'union') {
    for (const option of def.options as z.ZodType[]) if (defOf(unwrap(option).inner).type === 'object') walk(option, path, rows);
  }
}

/**
 * The fields of each variant of a discriminated union (a channel: email or webhook) under one
 * path: a field every variant has is one row (the discriminator's row lists its values); a field
 * of some variants says which (`type: email`).
 */
function walkVariants(union: z.ZodType, discriminator: string, path: string, rows: ReferenceRow[]): void {
  const all = variants(union);
  const byVariant = all.map(([value, option]) => {
    const own: ReferenceRow[] = [];
    walk(option, path, own);
    return { value, rows: own };
  });
  const seen = new Set<string>();
  for (const { rows: own } of byVariant) {
    for (const row of own) {
      if (seen.has(row.path)) continue;
      seen.add(row.path);
      const holders = byVariant.flatMap((v) => v.rows.filter((r) => r.path === row.path).map((r) => ({ value: v.value, row: r })));
      if (row.path === `${path}.${discriminator}`) {
        const kinds = all.map(([value]) => `\`${value}\``).join(' \\| ');
        rows.push({
          ...row,
          type: kinds,
          description: row.description || `which variant: ${kinds}`,
        });
        continue;
      }
      // Variants that define a field alike share a row; a field defined differently (a url required
      // by one, defaulted by another) gets a row per definition, each naming its variants.
      const alike = new Map<string, typeof holders>();
      for (const h of holders) {
        const key = JSON.stringify([h.row.type, h.row.default, h.row.description]);
        alike.set(key, [...(alike.get(key) ?? []), h]);
      }
      for (const group of alike.values()) {
        const first = group[0]!.row;
        const names = group.map((h) => `\`${h.value}\``).join(', ');
        if (group.length === all.length) rows.push(first);
        else
          rows.push({
            ...first,
            description: `${discriminator} ${names}: ${first.description}`,
            ...(alike.size > 1 ? { variants: names } : {}),
          });
      }
    }
  }
}

/** Every field of the configuration, walked from the zod schema (the single source of truth). */
export function configReference(): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  walk(DriftwatchConfig as unknown as z.ZodType, '', rows);
  // A union of objects adds its fields under the same path; keep the first row of a path (of a
  // path and variants, for a field the variants of a channel define differently).
  const key = (r: ReferenceRow) => `${r.path}\u0000${r.variants ?? ''}`;
  return rows.filter((row, i) => rows.findIndex((r) => key(r) === key(row)) === i);
}

/** The reference as a Markdown table, as it stands in docs/configuration.md. */
export function configReferenceMarkdown(): string {
  const escape = (s: string) => s.replaceAll('|', '\\|');
  const lines = configReference().map((r) => `| \`${r.path}\` | ${r.type} | ${r.default} | ${escape(r.description)} |`);
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...lines].join('\n');
}
