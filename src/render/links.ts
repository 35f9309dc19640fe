/**
 * The one "safe link" rule of every page, email and chat message: only an absolute http(s) URL
 * becomes a link. A dashboard URL comes from the config, but a `javascript:`, `data:` or `file:`
 * URL there must never become something a reader can click.
 */

/**
 * The URL when it may be a link target, else null. It must start with `http://` or `https://`
 * (any case) and parse as a URL: the prefix test refuses what the URL parser would repair
 * (` https://x`, `http:/x`), the parse refuses what is not a URL at all (`http://`).
 * @example safeLink('https://dash.example/m') // 'https://dash.example/m'; safeLink('javascript:alert(1)') // null
 */
export function safeLink(url: string | null | undefined): string | null {
  if (!url || !/^https?:\/\//i.test(url) || !URL.canParse(url)) return null;
  return url;
}
