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
<link rel="stylesheet" href="${lk('/assets/app.css')}">
<script type="module" src="${lk('/assets/app.js')}"></script>
</head>
<body><div id="root"></div></body>
</html>`;

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
}
