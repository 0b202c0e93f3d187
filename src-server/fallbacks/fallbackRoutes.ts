import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { describeUserAgent } from '../devices/describeUserAgent.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { displayText } from '../text/displayText.ts';
import { DISPLAY_TEXT_PATTERN } from '../text/revealHidden.ts';
import { linkCookieName, setLinkCookie } from '../sessions/sessionCookies.ts';
import { lk } from '../web/latchkeyPaths.ts';
import { completeFallbackSignIn, pendingSourceOf, trustedBrowserOf } from './completeFallbackSignIn.ts';
import type { FallbackRefusal } from './createFallbackService.ts';
import { FALLBACK_LABELS, type FallbackMethod } from './fallbackMethods.ts';
import { sendSignInMail } from './sendSignInMail.ts';

// Printable text only: a credential with control characters is bad input (400), never a guess that counts.
const credential = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: DISPLAY_TEXT_PATTERN });

const signInBody = Type.Object({
  method: Type.Union([Type.Literal('backup-code'), Type.Literal('totp'), Type.Literal('password')]),
  code: Type.Optional(credential(32)),
  password: Type.Optional(credential(1024)),
  name: Type.Optional(displayText(64)),
}, { additionalProperties: false });

const sendBody = Type.Object({ name: Type.Optional(displayText(64)) }, { additionalProperties: false });
const linkBody = Type.Object({ token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });

const REFUSALS: Record<FallbackRefusal, string> = {
  wrong_code: 'That code is not right. Check it and try again.',
  code_used: 'That code was already used. Each backup code works once, and each authenticator code once.',
  wrong_password: 'The password or the authenticator code is not right.',
  wrong_password_or_code: 'The password or the authenticator code is not right.',
  totp_required: 'Also enter the code from your authenticator app.',
};

/**
 * The sign-in side of fallbacks, open to any browser (ungated: these are ways in). Each
 * attempt is throttled per method and client, and audited with its method and outcome,
 * never with what was typed.
 */
export function fallbackRoutes(app: FastifyInstance, s: Services) {

  const requireOn = (method: FallbackMethod) => {
    if (s.fallbacks.isOn(method)) return;
    throw new LatchkeyError('fallback_off', `Signing in with ${FALLBACK_LABELS[method]} is turned off on this computer.`, 403, { method });
  };

  /** A new browser will need room in the approval queue: checked before the credential is used up. */
  const assertRoomFor = (request: FastifyRequest, method: FallbackMethod) => {
    if (method !== 'backup-code' && !trustedBrowserOf(s, request)) s.pending.assertRoom(pendingSourceOf(request));
  };

  /** A locked method refuses before anything is checked; the refused attempt is still in the trail. */
  const lockedAudited = async (request: FastifyRequest, method: FallbackMethod, check: () => Promise<void>) => {
    try {
      await check();
    } catch (err) {
      s.audit.record({ outcome: 'failure', method: `fallback-${method}`, origin: request.lk.origin, ip: request.lk.ip, reason: 'locked' });
      throw err;
    }
  };
  const assertOpen = (request: FastifyRequest, method: FallbackMethod) => lockedAudited(request, method, () => s.fallbackThrottle.assertOpen(method, request.lk.ip));
  const reserve = (request: FastifyRequest, method: FallbackMethod) => lockedAudited(request, method, () => s.fallbackThrottle.reserve(method, request.lk.ip));

  const refuse = async (request: FastifyRequest, method: FallbackMethod, reason: FallbackRefusal | 'link_unknown') => {
    const ctx = request.lk;
    s.audit.record({ outcome: 'failure', method: `fallback-${method}`, origin: ctx.origin, ip: ctx.ip, reason });
    if (reason !== 'totp_required') await s.fallbackThrottle.fail(method, ctx.ip);
  };

  app.post('/auth/fallback/signin', { schema: { body: signInBody } }, async (request, reply) => {
    const body = request.body as { method: FallbackMethod; code?: string; password?: string; name?: string };
    const { method } = body;
    const ip = request.lk.ip;
    requireOn(method);
    // Counted before the slow check and given back only if it does not fail: parallel guesses all count.
    await reserve(request, method);
    // Given back unless it failed; on success before the client's count is cleared, so it cannot go below zero.
    let giveBack = true;
    try {
      const given = method === 'password' ? body.password : body.code;
      if (!given) {
        throw new LatchkeyError('invalid_request', method === 'password' ? 'Enter the password.' : 'Enter the code.', 400, { field: method === 'password' ? 'password' : 'code' });
      }
      assertRoomFor(request, method);

      let refusal: FallbackRefusal | null;
      let left: number | undefined;
      if (method === 'backup-code') {
        const result = await s.fallbacks.useBackupCode(given);
        refusal = result.ok ? null : result.reason;
        left = result.ok ? result.left : undefined;
      } else if (method === 'totp') {
        refusal = await s.fallbacks.useTotp(given.trim());
      } else {
        refusal = await s.fallbacks.usePassword(given, body.code?.trim());
      }
      if (refusal) {
        s.audit.record({ outcome: 'failure', method: `fallback-${method}`, origin: request.lk.origin, ip, reason: refusal });
        if (refusal !== 'totp_required') giveBack = false;
        throw new LatchkeyError(refusal === 'totp_required' ? 'totp_required' : 'fallback_refused', REFUSALS[refusal], refusal === 'totp_required' ? 400 : 401, { method });
      }
      giveBack = false;
      await s.fallbackThrottle.release(method, ip);
      await s.fallbackThrottle.succeed(method, ip);
      return await completeFallbackSignIn(s, request, reply, method, { name: body.name, backupCodesLeft: left });
    } finally {
      if (giveBack) await s.fallbackThrottle.release(method, ip);
    }
  });

  app.post('/auth/fallback/email/send', { schema: { body: sendBody } }, async (request, reply) => {
    const ctx = request.lk;
    requireOn('email');
    await assertOpen(request, 'email');
    await s.emailLinks.assertCanSend(ctx.ip);
    const to = s.fallbacks.emailAddress()!;
    const { token, bindingSecret } = s.emailLinks.create({
      origin: ctx.origin, name: (request.body as { name?: string }).name, ip: ctx.ip, bindingSecret: request.cookies[linkCookieName(ctx.origin)],
    });
    const ua = describeUserAgent(request.headers['user-agent']);
    try {
      // The token rides in the fragment: it never reaches a server log, a proxy or a Referer.
      await sendSignInMail(s.config.smtp!, {
        to, host: new URL(ctx.origin).host, link: `${ctx.origin}${lk('/fallback/email')}#t=${token}`,
        browser: `${ua.browser} on ${ua.os}`, ip: ctx.ip,
      });
    } catch (err) {
      s.emailLinks.drop(token);
      await s.emailLinks.notSent(ctx.ip);
      s.audit.record({ outcome: 'failure', method: 'fallback-email', origin: ctx.origin, ip: ctx.ip, reason: 'mail_not_sent' });
      throw err;
    }
    setLinkCookie(reply, ctx.origin, bindingSecret);
    s.audit.record({ outcome: 'info', method: 'fallback-email', origin: ctx.origin, ip: ctx.ip, reason: 'link_sent' });
    return { sent: true, to: maskAddress(to), expires_in_s: 600 };
  });

  /** Whether a link can be used here, without using it: the confirm page asks before showing its button. */
  app.post('/auth/fallback/email/check', { schema: { body: linkBody } }, async (request) => {
    const ctx = request.lk;
    requireOn('email');
    await assertOpen(request, 'email');
    const token = (request.body as { token: string }).token;
    try {
      return { status: 'ready', ...s.emailLinks.inspect(token, request.cookies[linkCookieName(ctx.origin)], ctx.origin), trusted_browser: Boolean(trustedBrowserOf(s, request)) };
    } catch (err) {
      await refuseLink(request, err);
      throw err;
    }
  });

  app.post('/auth/fallback/email/confirm', { schema: { body: linkBody } }, async (request, reply) => {
    const ctx = request.lk;
    requireOn('email');
    await assertOpen(request, 'email');
    assertRoomFor(request, 'email');
    const token = (request.body as { token: string }).token;
    let name: string | undefined;
    try {
      ({ name } = s.emailLinks.redeem(token, request.cookies[linkCookieName(ctx.origin)], ctx.origin));
    } catch (err) {
      await refuseLink(request, err);
      throw err;
    }
    await s.fallbacks.markEmailUsed();
    await s.fallbackThrottle.succeed('email', ctx.ip);
    return completeFallbackSignIn(s, request, reply, 'email', { name });
  });

  async function refuseLink(request: FastifyRequest, err: unknown) {
    if (!(err instanceof LatchkeyError)) return;
    // Only a token nobody issued is a guess; a real link opened in the wrong place or twice is audited, not counted.
    if (err.code === 'link_unknown') await refuse(request, 'email', 'link_unknown');
    else s.audit.record({ outcome: 'failure', method: 'fallback-email', origin: request.lk.origin, ip: request.lk.ip, reason: err.code });
  }
}

/** "a•••@example.com": enough to recognise the address, not enough to harvest it. */
function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, 1)}•••${address.slice(at)}`;
}
