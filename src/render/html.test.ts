import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SafeHtml, html, join, raw } from './html.js';

const EVIL = `<a href="x">'&'</a>`;

test('every interpolation is escaped: the five characters that end a text or an attribute', () => {
  assert.equal(String(html`<td>${EVIL}</td>`), '<td>&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;</td>');
  assert.equal(String(html`<td title="${EVIL}">`), '<td title="&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;">');
  assert.equal(String(html`<td title='${"it's"}'>`), "<td title='it&#39;s'>");
});

test('numbers are text; null, undefined and false render nothing', () => {
  assert.equal(String(html`${0} ${1.5} ${Number.NaN}`), '0 1.5 NaN');
  assert.equal(String(html`[${null}${undefined}${false}]`), '[]');
  const drift = false;
  assert.equal(String(html`<p>${drift && html`<b>drift</b>`}</p>`), '<p></p>');
});

test('templates nest without being escaped twice', () => {
  const cell = html`<td>${'a & b'}</td>`;
  assert.equal(String(html`<tr>${cell}</tr>`), '<tr><td>a &amp; b</td></tr>');
  assert.ok(cell instanceof SafeHtml);
});

test('arrays are joined; each item is escaped unless it is markup', () => {
  assert.equal(String(html`<ul>${['<x>', html`<li>${'<y>'}</li>`]}</ul>`), '<ul>&lt;x&gt;<li>&lt;y&gt;</li></ul>');
  assert.equal(String(join(['a', '<b>', html`<i>c</i>`], ', ')), 'a, &lt;b&gt;, <i>c</i>');
  assert.equal(String(join(['a', 'b'], html` &middot; `)), 'a &middot; b');
  assert.equal(String(join(['a', 'b'], ' & ')), 'a &amp; b');
});

test('raw() is the explicit door for trusted constants, and nothing else makes markup', () => {
  assert.equal(String(html`<style>${raw('a>b{font-family:"x"}')}</style>`), '<style>a>b{font-family:"x"}</style>');
  // The constructor wants a token only this module holds.
  assert.throws(() => new (SafeHtml as unknown as new (token: symbol, markup: string) => SafeHtml)(Symbol('SafeHtml'), '<b>'), TypeError);
});

test('replacement patterns in values stay literal ($& and friends)', () => {
  assert.equal(String(html`<b>${"$& $' $`"}</b>`), '<b>$&amp; $&#39; $`</b>');
});
