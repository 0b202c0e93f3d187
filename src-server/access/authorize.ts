import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { RequestContext } from '../gate/RequestContext.ts';
import { LATCHKEY_PREFIX } from '../web/latchkeyPaths.ts';
import type { StepUps } from './createStepUps.ts';
import type { ShareService } from '../shares/createShareService.ts';
import { isAmbient, type Principal } from './Principal.ts';
import type { RouteRule } from './routeRules.ts';
import { missingAppScope, missingScope } from './scopes.ts';

/** What authorize reads besides the request: where admin lives, and who stepped up lately. */
export interface AccessDeps {
  stepUps: StepUps;
  /** Where a browser can manage Latchkey instead (adminOrigins' manageAtFor), or null when only the computer can. */
  manageAt: (at: { listener: 'local' | 'remote'; origin: string }) => string | null;
  /** Whether passkey devices may approve pending devices through the tunnel (config `approve_from_devices`, read per request). */
  approveFromDevices?: () => boolean;
}

/** The slice of a request authorize reads: the gate's context, the method, the path and its parameters. */
export interface AccessRequest {
  lk: RequestContext;
  method: string;
  url: string;
  params?: unknown;
}

/** The 401 every refused or missing credential gets (an API path is not mapped for strangers). */
export function authRequired(ctx: RequestContext): LatchkeyError {
  const tokenProblem = ctx.tokenProblem;
  if (tokenProblem === 'malformed_authorization') {
    return new LatchkeyError('malformed_authorization',
      'The Authorization header must be "Bearer <token>" with a Latchkey token (lk_sk_… or lk_at_…).', 400, {},
      { 'www-authenticate': 'Bearer error="invalid_request"' });
  }
  if (tokenProblem) {
    return new LatchkeyError('invalid_token', TOKEN_MESSAGES[tokenProblem] ?? 'This token is not valid.', 401, { reason: tokenProblem },
      { 'www-authenticate': `Bearer error="invalid_token", error_description="${tokenProblem}"` });
  }
  const reason = ctx.sessionProblem;
  const message = reason === 'desktop_secret_invalid'
    ? 'The desktop app\'s credentials are not valid here. Restart the Latchkey app.'
    : reason === 'device_revoked'
      ? 'This device was revoked on the computer. Pair it again to get back in.'
      : reason === 'share_ended'
        ? 'The share that let this device in has ended (it expired, or its owner stopped sharing).'
      : reason === 'session_expired'
        ? 'Your session has expired. Sign in with your passkey again.'
        : reason
          ? 'Your session is not valid here. Sign in with your passkey again.'
          : 'Sign in with a passkey first.';
  return new LatchkeyError('auth_required', message, 401, reason ? { reason } : {});
}

const TOKEN_MESSAGES: Record<string, string> = {
  token_unknown: 'This token is not known here: it may be mistyped, or belong to another Latchkey server.',
  token_expired: 'This token has expired. Create a new one (latchkey keys create) or sign in again (latchkey auth login).',
  token_revoked: 'This token was revoked.',
  device_revoked: 'The device that approved this token was revoked on the computer, and its tokens with it.',
  agent_token: 'This is an agent\'s token for one MCP app: it opens that app only, and nothing of Latchkey\'s own API.',
};

/**
 * The one decision for Latchkey's own routes, from the route's row of the access table.
 * Guard clauses in a fixed order, each refusing with a stable code:
 * 0. 401 for nobody signed in, where a sign-in is needed: first, so a stranger cannot map the API;
 * 1. `local_only`: the row is for the computer's listener (an `approver` row also lets a passkey
 *    device in, when the owner allows approvals from devices);
 * 2. `guest_limited`: a guest, on a row that does not name guests (which is every row about Latchkey itself);
 * 3. `admin_not_here`: an admin row on an origin that serves an app, asked with a credential
 *    the browser attaches by itself, which the app's scripts could borrow (SECURITY.md §8);
 * 4. who: `fallback_limited` or `owner_only` for a principal the row does not name;
 * 5. scope: a token needs the row's scope (`insufficient_scope`, naming it);
 * 6. own and step-up: a device acts on itself, or on others after a fresh passkey assertion.
 * O(1): a few comparisons and at most one Map read.
 */
export function authorize(request: AccessRequest, rule: RouteRule, deps: AccessDeps): void {
  const ctx = request.lk;
  const principal = ctx.principal;
  if (principal === 'anonymous' && !rule.who.includes('anonymous')) throw authRequired(ctx);
  if (rule.listener === 'local' && ctx.listener !== 'local' && !approverHere(rule, principal, deps)) {
    throw new LatchkeyError('local_only', rule.approver
      ? 'Approving devices happens on the computer running Latchkey, unless its owner allows approvals from passkey devices (Security → Approve from your phone).'
      : 'This can only be done on the computer running Latchkey.', 403);
  }
  if (principal === 'guest' && !rule.who.includes('guest')) {
    throw new LatchkeyError('guest_limited', 'A guest reaches only the app shared with them, and none of Latchkey\'s settings.', 403);
  }
  if (rule.origin === 'admin' && ctx.servesApps && isAmbient(principal)) throw adminNotHere(ctx, deps);
  if (!rule.who.includes(principal)) throw wrongPrincipal(principal);
  if (principal === 'token') checkTokenScope(request, rule);
  if (rule.own === 'device') checkOwnDevice(request, principal, deps);
  else if (rule.stepUp && principal === 'owner_device') requireStepUp(ctx, deps);
}

/** Through the tunnel, an `approver` row lets passkey devices (and, to be told so, fallback browsers) past the listener check when allowed. */
const approverHere = (rule: RouteRule, principal: Principal, deps: AccessDeps) =>
  rule.approver === true && (principal === 'owner_device' || principal === 'fallback_browser') && deps.approveFromDevices?.() === true;

/**
 * Whether a request admitted by the gate may go on to `app` (the app proxy's half of the table):
 * a token opens the apps its scopes name, a guest the one app its share names (if that app
 * still allows sharing). O(1): the guest's share is a Map read.
 */
export function authorizeApp(ctx: RequestContext, app: { name: string; shareable: boolean }, method: string, shares: Pick<ShareService, 'live'>): void {
  if (ctx.principal === 'guest') return authorizeGuest(ctx, app, shares);
  if (ctx.principal !== 'token' || !ctx.token) return;
  const missing = missingAppScope(ctx.token.scopes, app.name, method);
  if (!missing) return;
  throw new LatchkeyError('insufficient_scope',
    `This token does not open the app "${app.name}" for ${method}: it needs "${missing}" (it has: ${ctx.token.scopes.join(', ')}).`, 403,
    { required_scope: missing }, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${missing}"` });
}

function authorizeGuest(ctx: RequestContext, app: { name: string; shareable: boolean }, shares: Pick<ShareService, 'live'>) {
  const shareId = ctx.device?.share_id;
  const share = shareId ? shares.live(shareId) : null;
  // authenticate refuses an ended share first; this is the same question asked again, never a way around it.
  if (!share) throw authRequired({ ...ctx, sessionProblem: 'share_ended' });
  if (share.app !== app.name) {
    throw new LatchkeyError('guest_other_app', `${share.from} shared "${share.app}" with you, not "${app.name}".`, 403, { app: share.app });
  }
  if (!app.shareable) throw new LatchkeyError('app_not_shareable', `"${app.name}" is no longer shared with guests.`, 403, { app: app.name });
}

function adminNotHere(ctx: RequestContext, deps: AccessDeps): LatchkeyError {
  const where = deps.manageAt(ctx);
  const place = where ? `Manage Latchkey at ${where}` : 'Manage Latchkey on the computer (the Latchkey app, or latchkey on its command line)';
  return new LatchkeyError('admin_not_here',
    `${place}: its settings are not served on ${ctx.origin}, where an app runs and its scripts could act as you.`, 403,
    { manage_at: where });
}

function wrongPrincipal(principal: Principal): LatchkeyError {
  if (principal === 'fallback_browser') {
    return new LatchkeyError('fallback_limited',
      'A browser signed in with a fallback (password, code or email link) can use the apps and sign itself out; anything else needs a passkey device or the computer.', 403);
  }
  return new LatchkeyError('owner_only',
    'Only the person at the computer (the desktop app, the CLI on this computer, or a passkey sign-in on localhost) can do this.', 403);
}

function checkTokenScope(request: AccessRequest, rule: RouteRule) {
  const token = request.lk.token!;
  if (rule.tokenScope) {
    if (token.scopes.includes(rule.tokenScope)) return;
    throw new LatchkeyError('insufficient_scope', `This needs a token with the "${rule.tokenScope}" scope itself (a broad api:write is not enough).`, 403,
      { required_scope: rule.tokenScope }, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${rule.tokenScope}"` });
  }
  const feature = rule.scope === undefined ? 'api' : rule.scope;
  // Scopes name API paths as `path:/api/…`, below Latchkey's prefix.
  const path = (request.url.split('?')[0] ?? '').slice(LATCHKEY_PREFIX.length);
  const missing = missingScope(token.scopes, { feature, write: request.method !== 'GET' && request.method !== 'HEAD', path });
  if (!missing) return;
  const message = missing.startsWith('path:')
    ? `This token is limited to ${token.scopes.filter((x) => x.startsWith('path:')).map((x) => x.slice(5)).join(', ')}; ${path} is outside.`
    : `This token lacks the "${missing}" scope (it has: ${token.scopes.join(', ')}).`;
  throw new LatchkeyError('insufficient_scope', message, 403, { required_scope: missing },
    { 'www-authenticate': `Bearer error="insufficient_scope", scope="${missing}"` });
}

/** A device removes itself freely; another device only from the computer, a token, or a phone that stepped up. */
function checkOwnDevice(request: AccessRequest, principal: Principal, deps: AccessDeps) {
  const ctx = request.lk;
  const target = (request.params as { id?: string } | undefined)?.id;
  if (principal !== 'owner_device' && principal !== 'fallback_browser') return;
  if (ctx.device && target === ctx.device.id) return;
  if (principal === 'fallback_browser') {
    throw new LatchkeyError('fallback_limited', 'A browser signed in with a fallback can remove only itself; other devices are removed on the computer or from a passkey device.', 403);
  }
  requireStepUp(ctx, deps);
}

function requireStepUp(ctx: RequestContext, deps: AccessDeps) {
  if (ctx.device && deps.stepUps.fresh(ctx.device.id)) return;
  throw new LatchkeyError('step_up_required',
    'Confirm with your passkey first: this needs a passkey check from the last 5 minutes (POST /.latchkey/auth/step-up/options, then /verify).', 403,
    { step_up: { options: '/.latchkey/auth/step-up/options', verify: '/.latchkey/auth/step-up/verify', valid_for_s: 300 } });
}
