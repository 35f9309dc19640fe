/**
 * Markdown as GitHub shows it, for the checks of links and anchors (test/docs.test.ts) and of the
 * runbook links of the alert rules (test/deploy.test.ts).
 */

/**
 * The page with fenced code blocks and inline code blanked out (newlines kept, so offsets still
 * give line numbers): what is in code is shown, not linked, and is not a heading.
 */
export function withoutCode(text: string): string {
  const lines = text.split('\n');
  let fence: { char: string; length: number } | undefined;
  const kept = lines.map((line) => {
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (closing && closing[1]![0] === fence.char && closing[1]!.length >= fence.length) fence = undefined;
      return '';
    }
    if (opening) {
      fence = { char: opening[1]![0]!, length: opening[1]!.length };
      return '';
    }
    return line;
  });
  // An inline code span: a run of backticks, then the same run; it may wrap but not cross a blank line.
  return kept.join('\n').replace(/(`+)(?:(?!\n\s*\n)[\s\S])*?(?<!`)\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** GitHub's slug of a heading's text: lowercase, punctuation other than `-` and `_` removed, spaces to `-`. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .replace(/(^|[^\p{L}\p{N}_])_+(?=\S)|(?<=\S)_+(?=[^\p{L}\p{N}_]|$)/gu, '$1'); // _emphasis_, not snake_case
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page defines: heading slugs (a repeated one gets -1, -2, ...) and `<a id>` / `<a name>`. */
export function anchors(text: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  const add = (heading: string) => {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  };
  // Headings are found in the text with code blanked out, but slugged from the original line,
  // because inline code in a heading is part of its text.
  const original = text.split('\n');
  const lines = withoutCode(text).split('\n');
  lines.forEach((line, i) => {
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx) {
      const raw = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(original[i]!)!;
      add(raw[1] ?? '');
      return;
    }
    const previous = lines[i - 1];
    if (
      /^ {0,3}(=+|-+)[ \t]*$/.test(line) &&
      previous !== undefined &&
      previous.trim() !== '' &&
      !/^ {0,3}([-*+]|\d+[.)]|>|#|\|)/.test(previous)
    )
      add(original[i - 1]!.trim());
  });
  for (const match of text.matchAll(/<a\s[^>]*?\b(?:id|name)\s*=\s*["']([^"']+)["']/gi)) found.add(match[1]!);
  return found;
}
