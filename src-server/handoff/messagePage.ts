import { lk } from '../web/latchkeyPaths.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small server-rendered page for top-level navigations that end in a refusal (no script needed). */
export function messagePage(title: string, message: string, link?: { href: string; text: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><title>${escape(title)} · Latchkey</title><link rel="stylesheet" href="${lk('/assets/app.css')}"></head>` +
    `<body><section class="card"><h1>${escape(title)}</h1><p class="error" role="alert">${escape(message)}</p>` +
    `${link ? `<p><a href="${escape(link.href)}">${escape(link.text)}</a></p>` : ''}</section></body></html>`;
}
