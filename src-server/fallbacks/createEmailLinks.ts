import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { Clock } from '../time/Clock.ts';

export const EMAIL_LINK_TTL_MS = 10 * 60_000;
// Links waiting at once; each needs a mail sent, and sending is itself limited below.
const MAX_LINKS = 20;

interface Link {
  /** SHA-256 of the secret in the asking browser's cookie: the link works only there. */
  bindingHash: Buffer;
  origin: string;
  name: string | undefined;
  ip: string;
  expiresAt: number;
  usedAt: number | null;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

export type EmailLinks = ReturnType<typeof createEmailLinks>;

/**
 * Sign-in links sent by mail. Held in memory only (a restart voids them, which errs on the
 * safe side), each valid once, for 10 minutes, in the browser that asked for it, on the
 * origin it was asked on. Looking a link up (`inspect`) never uses it: mail scanners that
 * fetch links, and the confirm page loading, must not burn it; only `redeem` does.
 */
export function createEmailLinks(clock: Clock, limits = { perClient: 3, global: 20, windowS: 600 }) {
  const links = new Map<string, Link>();
  const perClient = new RateLimiterMemory({ keyPrefix: 'mail-client', points: limits.perClient, duration: limits.windowS });
  const global = new RateLimiterMemory({ keyPrefix: 'mail-global', points: limits.global, duration: limits.windowS });

  function prune() {
    const now = clock.now();
    // Used and expired links are kept until their expiry passes twice over, so a second click says "already used".
    for (const [key, link] of links) if (link.expiresAt + EMAIL_LINK_TTL_MS <= now) links.delete(key);
  }

  function find(token: string, bindingSecret: string | undefined, origin: string): Link {
    prune();
    const link = links.get(sha256(token).toString('hex'));
    if (!link) {
      throw new LatchkeyError('link_unknown', 'This sign-in link is not valid: it may be mistyped, or from before Latchkey restarted. Ask for a new one.', 404);
    }
    const sameBrowser = bindingSecret !== undefined && link.origin === origin && timingSafeEqual(sha256(bindingSecret), link.bindingHash);
    if (!sameBrowser) {
      throw new LatchkeyError('link_wrong_browser',
        `This link only works in the browser that asked for it, on ${new URL(link.origin).host}. Open it there, or ask for a new link from this browser. Nothing was changed.`, 403);
    }
    if (link.usedAt !== null) throw new LatchkeyError('link_used', 'This sign-in link was already used. Ask for a new one.', 409);
    if (link.expiresAt <= clock.now()) throw new LatchkeyError('link_expired', 'This sign-in link expired (links last 10 minutes). Ask for a new one.', 410);
    return link;
  }

  return {
    /**
     * Counts a mail about to be sent; 429 when this client or everyone has asked too often. The
     * client's own budget is checked first, so one address cannot spend everyone's with requests
     * it was never allowed; a refusal by the global budget gives the client its point back.
     */
    async assertCanSend(ip: string) {
      try {
        await perClient.consume(ip);
      } catch (res) {
        const retry = Math.ceil(((res as { msBeforeNext?: number }).msBeforeNext ?? 60_000) / 1000);
        throw new LatchkeyError('too_many_links', `This browser asked for ${limits.perClient} links already. Wait ${Math.ceil(retry / 60)} minutes, or use the last link sent.`, 429,
          { retry_after_s: retry }, { 'retry-after': String(retry) });
      }
      try {
        await global.consume('all');
      } catch {
        // A refused consume still counts in rate-limiter-flexible: take back both, so refusals spend nobody's budget.
        await Promise.all([perClient.reward(ip, 1), global.reward('all', 1)]);
        throw new LatchkeyError('too_many_links', 'Too many sign-in links were asked for recently. Wait a few minutes.', 429);
      }
    },

    /** A mail that was counted but not sent (the mail server refused it) is given back to both budgets. */
    async notSent(ip: string) {
      await Promise.all([perClient.reward(ip, 1), global.reward('all', 1)]);
    },

    /** A new link for this browser; returns the token for the mail and the secret for the browser's cookie. */
    create(input: { origin: string; name?: string; ip: string; bindingSecret?: string }): { token: string; bindingSecret: string } {
      prune();
      if (links.size >= MAX_LINKS) throw new LatchkeyError('too_many_links', 'Too many sign-in links are waiting. Wait a few minutes.', 429);
      const token = randomBytes(32).toString('base64url');
      // A browser asking again keeps its binding, so the earlier link (if it arrives first) still works there.
      const bindingSecret = input.bindingSecret && /^[A-Za-z0-9_-]{43}$/.test(input.bindingSecret) ? input.bindingSecret : randomBytes(32).toString('base64url');
      links.set(sha256(token).toString('hex'), {
        bindingHash: sha256(bindingSecret), origin: input.origin, name: input.name, ip: input.ip,
        expiresAt: clock.now() + EMAIL_LINK_TTL_MS, usedAt: null,
      });
      return { token, bindingSecret };
    },

    /** Forgets a link whose mail could not be sent. */
    drop(token: string) {
      links.delete(sha256(token).toString('hex'));
    },

    /** Checks a link without using it. */
    inspect(token: string, bindingSecret: string | undefined, origin: string) {
      const link = find(token, bindingSecret, origin);
      return { expires_at: new Date(link.expiresAt).toISOString() };
    },

    /** Uses a link up (synchronously: of two parallel confirms, one wins). */
    redeem(token: string, bindingSecret: string | undefined, origin: string): { name: string | undefined } {
      const link = find(token, bindingSecret, origin);
      link.usedAt = clock.now();
      return { name: link.name };
    },
  };
}
