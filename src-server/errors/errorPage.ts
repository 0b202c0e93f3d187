import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { escapeHtml } from '../text/escapeHtml.ts';
import { lk } from '../web/latchkeyPaths.ts';
import type { LatchkeyError } from './LatchkeyError.ts';


// Self-contained: a 421 page is served on an address Latchkey does not answer for, where even
// its own stylesheet would be refused. The style and the Copy script are allowed by hash only.
const STYLE = ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;--bg:#f4f5f7;--card:#fff;--text:#1b1f24;--muted:#5f6773;--accent:#2457d6;--bad:#b3261e}' +
  '@media (prefers-color-scheme:dark){:root{--bg:#121418;--card:#1d2026;--text:#e8eaed;--muted:#a3abb6;--accent:#8ab4ff;--bad:#ff8a80}}' +
  'body{margin:0;padding:1rem;background:var(--bg);color:var(--text)}main{max-width:40rem;margin:1rem auto;background:var(--card);border-radius:12px;padding:1.25rem 1.5rem}' +
  'h1{font-size:1.5rem;margin:0 0 .75rem}p{line-height:1.5;overflow-wrap:anywhere}.bad{color:var(--bad)}a{color:var(--accent)}' +
  'pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);padding:.75rem;border-radius:8px;margin:0 0 .5rem}' +
  '.home{display:inline-flex;align-items:center;min-height:44px}' +
  'button{font:inherit;min-height:44px;padding:.6rem 1rem;border-radius:8px;border:0;background:var(--accent);color:var(--card);cursor:pointer}';
const SCRIPT = 'document.querySelectorAll("[data-copy]").forEach(function(b){b.addEventListener("click",function(){' +
  'navigator.clipboard.writeText(document.getElementById(b.dataset.copy).textContent).then(function(){b.textContent="Copied"},function(){b.textContent="Select and copy it"})})})';
const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
export const ERROR_PAGE_CSP = `default-src 'none'; style-src ${sha(STYLE)}; script-src ${sha(SCRIPT)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** A person's top-level navigation, as opposed to a script or the app's own fetches (which keep the JSON). */
export const wantsHtml = (method: string | undefined, headers: IncomingHttpHeaders) =>
  (method === 'GET' || method === 'HEAD') && String(headers.accept ?? '').includes('text/html');

const TITLES: Record<number, string> = {
  403: 'Not allowed here', 404: 'Nothing here', 421: 'This address is not set up', 429: 'Too many requests',
  502: 'The app is not running', 504: 'The app is not answering',
};
// Where one status covers more than one cause: a 502 from an app that is up must not say "not running".
const CODE_TITLES: Record<string, string> = { app_bad_response: 'The app answered, but not with HTTP' };

/**
 * The page a browser gets instead of an error's JSON: the same message, in words, with the
 * next step. For 421 that is the exact command to run on the computer, with a Copy button.
 */
export function errorPage(err: LatchkeyError): string {
  const host = typeof err.extra.host === 'string' && /^[A-Za-z0-9.:[\]-]+$/.test(err.extra.host) ? err.extra.host : undefined;
  const title = CODE_TITLES[err.code] ?? TITLES[err.statusCode] ?? (err.statusCode >= 500 ? 'Something went wrong' : 'This request was refused');
  let body = `<p class="bad" role="alert">${escapeHtml(err.message)}</p>`;
  if (err.statusCode === 421 && host) {
    body = `<p role="alert">Latchkey on this computer does not answer for <strong>${escapeHtml(host)}</strong> yet. If this is your tunnel's address, run this on the computer:</p>` +
      `<pre id="command">latchkey origins add https://${escapeHtml(host)}</pre><button type="button" data-copy="command">Copy</button>` +
      '<p>Or add it in Latchkey → Remote access. Then reload this page.</p>';
  } else if (err.statusCode !== 421) {
    body += `<p><a class="home" href="${lk('/')}">Latchkey home</a></p>`;
  }
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} · Latchkey</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(title)}</h1>${body}</main><script>${SCRIPT}</script></body></html>`;
}
