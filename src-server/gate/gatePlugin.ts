import type { FastifyInstance } from 'fastify';
import type { Services } from '../app/Services.ts';
import { authRequired } from '../access/authorize.ts';
import { pathOf } from './authenticate.ts';
import type { ClientAddress } from './createClientAddress.ts';
import type { RequestContext } from './RequestContext.ts';
import type { Listener } from './resolveOrigin.ts';
import { runGate } from './runGate.ts';

/**
 * Runs the gate (runGate) on every request of a listener, before routing decides anything.
 * Who may call which route is the access table's (access/attachAccessRules), applied per route after this.
 * Every bearer-token request is audited when its response is sent, with its status.
 */
export function gatePlugin(app: FastifyInstance, s: Services, listener: Listener, client: ClientAddress) {

  app.decorateRequest('lk', null as unknown as RequestContext);
  // A route's row may let a command-line client call it without Origin (it holds no cookie to forge with).
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config?.access;
    await runGate(request, reply, s, listener, client, { noOrigin: access?.noOrigin === true, anySite: access?.anySite === true });
  });
  // Callback style on purpose: this runs on every response, and most are not token requests.
  app.addHook('onResponse', (request, reply, done) => {
    const ctx = request.lk;
    if (ctx?.via === 'token' && ctx.token) {
      s.audit.recordUse({
        token_id: ctx.token.id, device_id: ctx.token.device_id, origin: ctx.origin, ip: ctx.ip,
        http: `${request.method} ${pathOf(request)}`, status: reply.statusCode,
      });
    }
    done();
  });
}

/** The guard where nothing but a signed-in caller may go on (unknown API paths, app paths that are not public). */
export async function requireAuth(request: { lk: RequestContext }) {
  if (request.lk.via) return;
  throw authRequired(request.lk);
}
