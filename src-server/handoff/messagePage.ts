import { escapeHtml } from '../text/escapeHtml.ts';
import { lk } from '../web/latchkeyPaths.ts';


/** A small server-rendered page for top-level navigations that end in a refusal (no script needed). */
export function messagePage(title: string, message: string, link?: { href: string; text: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} · Latchkey</title><link rel="stylesheet" href="${lk('/assets/app.css')}"></head>` +
    `<body><section class="card"><h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>` +
    `${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ''}</section></body></html>`;
}
