import type { Express, Request, Response } from 'express';
import { requireScope, type TokenSet } from '../api/auth.js';
import type { DemoMailbox } from './mailbox.js';

/** Where the demo's mailbox page lives (printed by the demo; only mounted in demo mode). */
export const MAILBOX_PAGE = '/demo/mailbox';

/**
 * Mounts the demo's mailbox: `GET /demo/mailbox` (an HTML shell, public like the dashboard's) and
 * `GET /demo/api/mailbox` (the caught messages as JSON, behind a read token like every API read).
 * The page uses the dashboard's stylesheet and the token the dashboard keeps for the tab, and
 * inserts message text as text only, never as HTML, under helmet's strict CSP. A refused token is
 * answered by the app's JSON error handler, as on the API.
 */
export function mountDemoMailbox(app: Express, mailbox: DemoMailbox, tokens: TokenSet, webhookLog: string): void {
  app.get('/demo/api/mailbox', requireScope(tokens, 'read'), (_req: Request, res: Response) => {
    res.json({ received: mailbox.received, webhookLog, items: mailbox.list() });
  });
  app.get(MAILBOX_PAGE, (_req: Request, res: Response) => {
    res.type('text/html; charset=utf-8').setHeader('Cache-Control', 'no-cache');
    res.send(PAGE);
  });
  app.get('/demo/mailbox.js', (_req: Request, res: Response) => {
    res.type('text/javascript; charset=utf-8').setHeader('Cache-Control', 'no-cache');
    res.send(SCRIPT);
  });
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>driftwatch demo: mailbox</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/dashboard.css">
<script src="/demo/mailbox.js" defer></script>
</head>
<body>
<header class="top"><a href="/" class="brand">driftwatch</a><span>demo mailbox</span></header>
<main id="app"><p class="muted">Loading…</p></main>
</body>
</html>
`;

// Plain script (no build step): the same token key as the dashboard, text-only insertion.
const SCRIPT = `'use strict';
const TOKEN_KEY = 'driftwatch.token';
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}
const app = document.getElementById('app');
function askToken() {
  const input = el('input', { type: 'password', placeholder: 'read token (printed by the demo)', autocomplete: 'off' });
  const form = el('form', { class: 'token' }, input, el('button', { type: 'submit' }, 'Open'));
  form.addEventListener('submit', (e) => { e.preventDefault(); sessionStorage.setItem(TOKEN_KEY, input.value.trim()); load(); });
  app.replaceChildren(el('section', {}, el('h2', {}, 'Token'), form));
}
async function load() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return askToken();
  const res = await fetch('/demo/api/mailbox', { headers: { authorization: 'Bearer ' + token, accept: 'application/json' } });
  if (res.status === 401) { sessionStorage.removeItem(TOKEN_KEY); return askToken(); }
  const body = await res.json();
  const rows = body.items.map((m) => {
    const details = el('details', {}, el('summary', {}, m.subject || '(no subject)'), el('pre', {}, m.text));
    return el('tr', {}, el('td', { class: 'num' }, String(m.id)), el('td', {}, new Date(m.receivedAt).toLocaleTimeString()), el('td', {}, details), el('td', {}, m.to));
  });
  app.replaceChildren(
    el('h1', {}, 'Demo mailbox'),
    el('p', { class: 'muted' }, body.received + ' message(s) caught by the demo\\'s SMTP server; webhook deliveries are logged to ' + body.webhookLog + '. Models and checks: ', el('a', { href: '/' }, 'the dashboard'), '.'),
    el('section', {}, el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, 'received'), el('th', {}, 'subject (click for the text)'), el('th', {}, 'to'))), el('tbody', {}, ...rows))),
  );
}
load().catch((e) => app.replaceChildren(el('p', { class: 'error' }, String(e))));
setInterval(() => { if (!document.querySelector('details[open]')) load().catch(() => {}); }, 3000);
`;
