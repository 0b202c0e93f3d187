import type { RequestContext } from '../gate/RequestContext.ts';

/**
 * Who is asking, decided once per request by the gate (runGate) and kept in `request.lk`.
 * Every rule of the access table (routeRules) names principals, never credentials:
 * - `computer`: the person at the computer: the local listener's loopback bypass, the desktop
 *   app's secret, or a passkey session on the local listener (isPersonAtComputer);
 * - `owner_device`: a passkey device's session, anywhere else (a phone through the tunnel);
 * - `fallback_browser`: a browser trusted through a fallback (password, code, link): it uses
 *   the apps and signs itself out, nothing more;
 * - `guest`: a passkey of someone the owner shared one app with (shares/): that app, nothing else;
 * - `token`: a bearer token, which gets exactly its scopes;
 * - `open`: nobody in particular, let in because the gate is off or the `open` grace is on;
 * - `anonymous`: no credential at all.
 * - `agent`: an OAuth client (an MCP client) the owner allowed, with a token bound to one MCP
 *   app (RFC 8707): that app only, and nothing of Latchkey's own routes;
 */
export type Principal = 'computer' | 'owner_device' | 'fallback_browser' | 'guest' | 'token' | 'agent' | 'open' | 'anonymous';

export const PRINCIPALS: readonly Principal[] = ['computer', 'owner_device', 'fallback_browser', 'guest', 'token', 'agent', 'open', 'anonymous'];

/** The principal for what authenticate found; O(1), no lookup. */
export function principalOf(ctx: Pick<RequestContext, 'listener' | 'via' | 'device'>): Principal {
  switch (ctx.via) {
    case null: return 'anonymous';
    case 'token': return 'token';
    case 'agent': return 'agent';
    case 'open': case 'grace': return 'open';
    case 'loopback': case 'desktop': return ctx.listener === 'local' ? 'computer' : 'anonymous';
    case 'session':
      // A password or a backup code is weaker proof than a passkey, on either listener.
      if (ctx.device?.kind === 'browser') return 'fallback_browser';
      // A guest is a guest everywhere, the computer's own listener included.
      if (ctx.device?.share_id) return 'guest';
      return ctx.listener === 'local' ? 'computer' : 'owner_device';
  }
}

/**
 * Whether the credential is one a browser attaches by itself (cookie, loopback, desktop secret),
 * so a script on the same origin can borrow it. A bearer token is never attached by a browser.
 */
export const isAmbient = (principal: Principal) => principal !== 'token' && principal !== 'agent' && principal !== 'anonymous';
