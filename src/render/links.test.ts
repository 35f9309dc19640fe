import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeLink } from './links.js';

test('only an absolute http(s) URL becomes a link', () => {
  for (const url of ['https://dash.example/m?a=1&b="2"', 'http://127.0.0.1:8080/', 'HTTPS://DASH.EXAMPLE/'])
    assert.equal(safeLink(url), url);
  for (const url of [
    'javascript:alert(1)',
    'data:text/html,x',
    'file:///etc/passwd',
    ' https://x.example',
    'http:/x.example',
    'http://',
    '//x.example',
    '',
  ]) {
    assert.equal(safeLink(url), null, url);
  }
  assert.equal(safeLink(null), null);
  assert.equal(safeLink(undefined), null);
});
