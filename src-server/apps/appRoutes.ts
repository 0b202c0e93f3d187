import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { appSchema } from '../config/configSchema.ts';
import { isPersonAtComputer } from '../access/isPersonAtComputer.ts';
import type { App } from './createAppRegistry.ts';
import { localAppUrl } from './localAppUrl.ts';
import type { RequestContext } from '../gate/RequestContext.ts';

const nameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9_-]*$' }) });

/** Apps behind the gate. Anyone signed in may list the ones their origin serves; adding and removing happen on the computer. */
export function appRoutes(api: FastifyInstance, s: Services) {
  // Where an app really listens is the computer's business: a phone's launcher gets names, addresses to open and health only.
  const view = (app: App, health: 'up' | 'down' | undefined, ctx: RequestContext, atComputer: boolean) => ({
    name: app.name, upstream: atComputer ? app.upstream : null, path: app.path || '/', url: urlFor(app, ctx), origins: atComputer ? app.origins : null,
    public_paths: atComputer ? app.publicPaths : [], host_header: atComputer ? app.hostHeader : null, source: atComputer ? app.source : null, ...(health ? { health } : {}),
  });
  /** Where the caller opens the app: this origin when it serves it, the computer's app origin, or the app's first public origin. */
  const urlFor = (app: App, ctx: RequestContext): string | null => {
    if (s.apps.match(ctx.origin, ctx.listener, app.path || '/') === app) return `${ctx.origin}${app.path || '/'}`;
    const onComputer = ctx.listener === 'local' ? localAppUrl(s.urls.local || ctx.origin, app) : null;
    if (onComputer) return onComputer;
    const elsewhere = app.origins?.find((o) => o !== 'localhost');
    return elsewhere ? `${elsewhere}${app.path || '/'}` : null;
  };

  api.get('/api/apps', async (request) => {
    // The computer sees every app; a phone sees the ones its origin can open (its launcher).
    const atComputer = isPersonAtComputer(request);
    const ctx = request.lk;
    // A guest's launcher holds its one shared app: the origin's other apps are not named to it.
    const guestApp = ctx.principal === 'guest' && ctx.device?.share_id ? s.shares.live(ctx.device.share_id)?.app ?? null : undefined;
    const list = atComputer ? s.apps.list() : s.apps.forOrigin(ctx.origin, ctx.listener).filter((a) => guestApp === undefined || a.name === guestApp);
    const health = await Promise.all(list.map((app) => s.apps.health(app)));
    return { apps: list.map((app, i) => view(app, health[i], request.lk, atComputer)) };
  });

  api.post('/api/apps', { schema: { body: appSchema } }, async (request) => {
    const result = await s.apps.add(request.body as Parameters<typeof s.apps.add>[0]);
    s.audit.record({ outcome: 'info', method: 'app-add', app: result.app.name, upstream: result.app.upstream, ip: request.lk.ip, by: request.lk.via });
    const app = s.apps.list().find((a) => a.name === result.app.name)!;
    return { app: view(app, await s.apps.health(app), request.lk, true), added: true };
  });

  api.delete('/api/apps/:name', { schema: { params: nameParams } }, async (request) => {
    const { name } = request.params as { name: string };
    const result = await s.apps.remove(name);
    s.audit.record({ outcome: 'info', method: 'app-remove', app: name, ip: request.lk.ip, by: request.lk.via });
    return result;
  });
}
