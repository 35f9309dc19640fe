// The README is the front door and docs/ holds the rest. This fails on a relative link (or image)
// whose file or anchor does not exist, on a docs page the README does not link (an orphan), on a
// docs asset no page shows, and when the README grows past 300 lines or stops opening with the
// two commands. Anchors follow GitHub's heading slugs; links in code are not links.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers/cli.js';
import { anchors, slug, withoutCode } from './helpers/markdown.js';

/** What the checker needs from the file system, so its own tests can hand it pages in memory. */
interface Files {
  exists(path: string): boolean;
  read(path: string): string;
}

interface Link {
  line: number;
  /** As written, for the failure message: `[text](target)`. */
  source: string;
  target: string;
}

const diskFiles: Files = { exists: existsSync, read: (path) => readFileSync(path, 'utf8') };

/** The links and images of a page outside code: inline `[text](target)` and reference definitions. */
export function links(text: string): Link[] {
  const plain = withoutCode(text);
  const lineAt = (offset: number) => plain.slice(0, offset).split('\n').length;
  const found: Link[] = [];
  for (const match of plain.matchAll(/!?\[((?:[^[\]]|\[[^[\]]*\])*)\]\(\s*(<[^>]*>|[^\s)]*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
    const target = match[2]!.replace(/^<|>$/g, '');
    found.push({ line: lineAt(match.index), source: match[0].replace(/\s*\n\s*/g, ' '), target });
  }
  for (const match of plain.matchAll(/^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?/gm))
    found.push({ line: lineAt(match.index), source: match[0].trim(), target: match[2]! });
  return found;
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

/**
 * What is wrong with the links of the given pages: a target that does not exist, lies outside the
 * repository (it would break in a clone), or names an anchor its page does not have. One line per
 * problem: `page:line: link: what is missing`.
 */
export function linkProblems(root: string, pages: string[], files: Files = diskFiles): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (path: string) => {
    let set = anchorCache.get(path);
    if (!set) anchorCache.set(path, (set = anchors(files.read(path))));
    return set;
  };
  const show = (path: string) => relative(root, path).split(sep).join('/') || '.';
  for (const page of pages) {
    for (const link of links(files.read(page))) {
      if (ABSOLUTE.test(link.target)) continue;
      const where = `${show(page)}:${link.line}: ${link.source}`;
      const hash = link.target.indexOf('#');
      const pathPart = decodeURIComponent(hash < 0 ? link.target : link.target.slice(0, hash)).replace(/\?.*$/, '');
      const anchor = hash < 0 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
      if (pathPart === '' && anchor === undefined) {
        problems.push(`${where}: the link has no target`);
        continue;
      }
      const target = pathPart === '' ? page : resolve(dirname(page), pathPart);
      const inside = relative(root, target);
      if (inside.startsWith('..') || resolve(root, inside) !== target) {
        problems.push(`${where}: ${pathPart} is outside the repository, so the link breaks in a clone`);
        continue;
      }
      if (!files.exists(target)) {
        problems.push(`${where}: ${show(target)} does not exist`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (extname(target).toLowerCase() === '.md') {
        if (!anchorsOf(target).has(anchor)) problems.push(`${where}: ${show(target)} has no heading or anchor '#${anchor}'`);
      } else if (!/^L\d+(-L\d+)?$/.test(anchor)) {
        problems.push(`${where}: '#${anchor}' cannot be checked in ${show(target)} (only #L<line> anchors of source files)`);
      }
    }
  }
  return problems;
}

const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const docsEntries = readdirSync(DOCS).filter((name) => statSync(join(DOCS, name)).isFile());
const docsPages = docsEntries.filter((name) => name.endsWith('.md')).map((name) => join(DOCS, name));
const pages = [README, ...docsPages];

/** The files a page links to (resolved, without anchors), for the orphan checks. */
function linkedFiles(page: string): Set<string> {
  const targets = new Set<string>();
  for (const link of links(readFileSync(page, 'utf8'))) {
    if (ABSOLUTE.test(link.target)) continue;
    const path = decodeURIComponent(link.target.replace(/[#?].*$/, ''));
    if (path) targets.add(resolve(dirname(page), path));
  }
  return targets;
}

describe('documentation', () => {
  it('every relative link and image of README.md and docs/*.md points at a file and anchor that exist', () => {
    const problems = linkProblems(ROOT, pages);
    assert.deepEqual(problems, [], `broken links:\n${problems.join('\n')}`);
  });

  it('the README links every docs page (no orphan page)', () => {
    const linked = linkedFiles(README);
    const orphans = docsPages.filter((page) => !linked.has(page)).map((page) => relative(ROOT, page));
    assert.deepEqual(orphans, [], `docs pages the README does not link: ${orphans.join(', ')}`);
  });

  it('every other file in docs/ is shown or linked by some page', () => {
    const linked = new Set(pages.flatMap((page) => [...linkedFiles(page)]));
    const unused = docsEntries
      .filter((name) => !name.endsWith('.md'))
      .map((name) => join(DOCS, name))
      .filter((path) => !linked.has(path))
      .map((path) => relative(ROOT, path));
    assert.deepEqual(unused, [], `files in docs/ that no page links: ${unused.join(', ')}`);
  });

  it('docs/architecture.md says what each dependency of package.json is for', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].filter(
      (name) => !name.startsWith('@types/'),
    );
    const page = readFileSync(join(DOCS, 'architecture.md'), 'utf8');
    const section = page.slice(page.indexOf('## Dependencies'));
    const rows = section.split('\n').filter((line) => line.startsWith('|'));
    const missing = names.filter((name) => !rows.some((row) => row.split('|')[1]!.includes(`\`${name}\``)));
    assert.deepEqual(missing, [], `dependencies with no row in the table of docs/architecture.md#dependencies: ${missing.join(', ')}`);
  });

  it('every docs page opens with a title', () => {
    const untitled = docsPages.filter((page) => !readFileSync(page, 'utf8').startsWith('# ')).map((page) => relative(ROOT, page));
    assert.deepEqual(untitled, [], `docs pages that do not start with a '# ' title: ${untitled.join(', ')}`);
  });

  it('README.md is under 300 lines', () => {
    const lines = readFileSync(README, 'utf8').replace(/\n$/, '').split('\n').length;
    assert.ok(lines < 300, `README.md has ${lines} lines; move detail into docs/ and link it`);
  });

  it("README.md's first code block is the two commands", () => {
    const text = readFileSync(README, 'utf8');
    const block = /^```[^\n]*\n([\s\S]*?)^```/m.exec(text);
    assert.ok(block, 'README.md has no fenced code block');
    assert.deepEqual(block[1]!.trimEnd().split('\n'), ['npm ci && npm run demo', 'npm test']);
  });
});

describe('the link checker', () => {
  const root = resolve('/repo');
  const fake = (pages: Record<string, string>): Files => ({
    exists: (path) => Object.keys(pages).some((name) => resolve(root, name) === path || resolve(root, name).startsWith(path + sep)),
    read: (path) => {
      const name = Object.keys(pages).find((n) => resolve(root, n) === path);
      if (name === undefined) throw new Error(`no page ${path}`);
      return pages[name]!;
    },
  });
  const check = (pages: Record<string, string>) =>
    linkProblems(
      root,
      Object.keys(pages)
        .filter((name) => name.endsWith('.md'))
        .map((name) => resolve(root, name)),
      fake(pages),
    );

  it('slugs headings as GitHub does', () => {
    assert.equal(slug('Ingest: `npm run bench -- ingest`'), 'ingest-npm-run-bench----ingest');
    assert.equal(slug('Hardening: what we tried'), 'hardening-what-we-tried');
    assert.equal(slug('Checking data against a baseline, and a CI gate'), 'checking-data-against-a-baseline-and-a-ci-gate');
    assert.equal(slug('The `wasserstein_norm` and _emphasis_'), 'the-wasserstein_norm-and-emphasis');
    assert.equal(slug('[Linked](x.md) heading'), 'linked-heading');
    assert.deepEqual(
      [...anchors('# A\n\n## Notes\n\n## Notes\n\n## Notes\n\n<a id="kept"></a>\n')],
      ['a', 'notes', 'notes-1', 'notes-2', 'kept'],
    );
    assert.deepEqual([...anchors('Setext\n======\n\n```\n# not a heading\n```\n')], ['setext']);
  });

  it('passes good links and names what is missing in bad ones', () => {
    const problems = check({
      'README.md': [
        '# Title',
        'See [the page](docs/page.md#a-section), [this](#title), [src](src/x.ts#L3), [mail](mailto:a@b.c), [web](https://x.org/#nope).',
        'A [broken file](docs/gone.md) and [a broken anchor](docs/page.md#no-such),',
        'and [one outside](../shared/STATS.md).',
        '`[in code](nowhere.md)`',
        '```',
        '[in a fence](nowhere.md)',
        '```',
        '![image](docs/missing.png)',
      ].join('\n'),
      'docs/page.md': '# Page\n\n## A section\n\nBack to [the README](../README.md#title) and [a wrong one](../README.md#titel).\n',
      'src/x.ts': '',
    });
    assert.deepEqual(problems, [
      'README.md:3: [broken file](docs/gone.md): docs/gone.md does not exist',
      "README.md:3: [a broken anchor](docs/page.md#no-such): docs/page.md has no heading or anchor '#no-such'",
      'README.md:4: [one outside](../shared/STATS.md): ../shared/STATS.md is outside the repository, so the link breaks in a clone',
      'README.md:9: ![image](docs/missing.png): docs/missing.png does not exist',
      "docs/page.md:5: [a wrong one](../README.md#titel): README.md has no heading or anchor '#titel'",
    ]);
  });
});
