import type { FastifyInstance } from 'fastify';
import { listenerPort } from '../gate/resolveOrigin.ts';
import { safeReturnPath } from '../handoff/authOriginOf.ts';
import { lk } from './latchkeyPaths.ts';
import type { RendererBundle } from './buildRenderer.ts';
import { PAGE_ALIASES, PAGE_TABLE } from './pagePaths.ts';

/** The client-side routes of the React app, below the prefix (the renderer's own table); anything else is a 404. */
export const PAGES = PAGE_TABLE.map((p) => p.path);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Latchkey</title>
<meta name="theme-color" media="(prefers-color-scheme: light)" content="#f4f5f7">
<meta name="theme-color" media="(prefers-color-scheme: dark)" content="#121418">
<link rel="icon" type="image/png" href="${lk('/assets/icon.png')}">
<link rel="apple-touch-icon" href="${lk('/assets/icon.png')}">
<link rel="manifest" href="${lk('/manifest.webmanifest')}">
<link rel="stylesheet" href="${lk('/assets/app.css')}">
<script type="module" src="${lk('/assets/app.js')}"></script>
</head>
<body><div id="root"></div></body>
</html>`;

const MANIFEST = JSON.stringify({
  name: 'Latchkey', short_name: 'Latchkey', start_url: lk('/'), scope: lk('/'), display: 'standalone',
  background_color: '#f4f5f7', theme_color: '#2457d6',
  icons: [{ src: lk('/assets/icon.png'), sizes: '512x512', type: 'image/png', purpose: 'any' }],
  shortcuts: [{ name: 'Latchkey home', url: lk('/') }, { name: 'Devices', url: lk('/devices') }],
});

/** Serves the page shell and bundle (registered under the prefix). They hold no data: everything private sits behind the API. */
export function rendererRoutes(app: FastifyInstance, bundle: RendererBundle) {
  for (const page of PAGES) {
    app.get(page, async (request, reply) => {
      // An IP cannot be an RP ID, so the local UI moves to the name "localhost" before anything else.
      if (request.lk.listener === 'local' && request.lk.rpId === null) {
        return reply.redirect(`http://localhost:${listenerPort(request)}${safeReturnPath(request.url)}`);
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    });
  }
  for (const [old, page] of Object.entries(PAGE_ALIASES)) {
    app.get(old, async (request, reply) => {
      const query = request.url.indexOf('?');
      return reply.redirect(`${lk(page)}${query === -1 ? '' : request.url.slice(query)}`);
    });
  }
  app.get('/assets/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(bundle.js));
  app.get('/assets/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(bundle.css));
  app.get('/assets/icon.png', async (_req, reply) => reply.type('image/png').header('cache-control', 'public, max-age=86400').send(bundle.icon));
  // "Add to Home Screen" gets a real icon and name, and its shortcut is the way back to Latchkey from inside an app at /.
  app.get('/manifest.webmanifest', async (_req, reply) => reply.type('application/manifest+json').send(MANIFEST));
}
