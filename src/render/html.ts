/**
 * HTML that escapes by construction: the {@link html} tag escapes every interpolated value unless
 * it is itself {@link SafeHtml} (the result of another `html` template, or of {@link raw}). A
 * renderer builds its markup from templates and never calls an escape function, so a text from
 * the data cannot end a text node or an attribute value, however it is interpolated.
 */

// Only this module holds the token, so only html, raw and join can make SafeHtml.
const MADE_HERE: unique symbol = Symbol('SafeHtml');

/** Markup that is already safe to insert: made by {@link html}, {@link raw} or {@link join}, never by hand. */
export class SafeHtml {
  readonly #markup: string;

  /** Not for use outside this module: build markup with {@link html}, or {@link raw} for a trusted constant. */
  constructor(token: typeof MADE_HERE, markup: string) {
    if (token !== MADE_HERE) throw new TypeError('SafeHtml is made by html`...`, raw() or join(), not by hand');
    this.#markup = markup;
  }

  /** The markup, for a page, a template placeholder or a byte count. */
  toString(): string {
    return this.#markup;
  }
}

/**
 * What a template may interpolate: text and numbers (escaped), safe markup (as it is), lists of
 * these (joined without separator) and null, undefined or false, which render nothing, so that
 * `${cond && html`...`}` needs no ternary.
 */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

/**
 * The HTML tag: the template's literal parts are markup, every interpolation is escaped text.
 * The five characters that can end a text or an attribute value (`& < > " '`) are escaped, so
 * `title="${value}"` is as safe as `<td>${value}</td>`.
 * @example html`<td class="name" title="${feature.name}">${feature.name}</td>`
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) markup += render(values[i]) + (strings[i + 1] ?? '');
  return safe(markup);
}

/**
 * Trusted markup inserted as it is, for the rare fragment that arrives as a string from no
 * template (markup another tool produced). Constants need none: a template's literal text is
 * markup already (html`role="presentation"`). Never for anything that holds data.
 * @example raw(readFileSync('logo.svg', 'utf8'))
 */
export function raw(markup: string): SafeHtml {
  return safe(markup);
}

/**
 * Values joined by a separator, each escaped as in a template (the separator too, unless it is
 * SafeHtml: `html\` &middot; \``).
 * @example join(names.map((n) => html`<code>${n}</code>`), ', ')
 */
export function join(values: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  const between = render(separator);
  return safe(values.map(render).join(between));
}

function safe(markup: string): SafeHtml {
  return new SafeHtml(MADE_HERE, markup);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeText(String(value));
}

// Code-built strings only reach markup through here.
function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
