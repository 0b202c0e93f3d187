import { createHash, randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { loadWebAuthn } from './loadWebAuthn.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forRequester } from '../devices/createPendingRegistry.ts';
import type { Services } from '../app/Services.ts';
import { describeUserAgent } from '../devices/describeUserAgent.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { displayText } from '../text/displayText.ts';
import { setPairingCookie, setShareCookie, shareCookieName } from '../sessions/sessionCookies.ts';
import { startSession } from '../sessions/startSession.ts';
import { isPasskey, type TrustedPasskey } from '../store/openPasskeyStore.ts';
import { deviceView } from '../devices/deviceView.ts';
import type { Ceremony } from './createChallengeStore.ts';
import { ceremonyRefusal, checkCeremonyResponse, type CeremonyRefusal } from './checkCeremonyResponse.ts';
import { verifyPasskeyAssertion } from './verifyPasskeyAssertion.ts';
import { isPersonAtComputer } from '../access/isPersonAtComputer.ts';
import { STEP_UP_TTL_MS } from '../access/createStepUps.ts';
import { assertInvitationHere, shareTokenSchema } from '../shares/shareRoutes.ts';
import type { Share } from '../shares/openShareStore.ts';
import { assertApprovalsFromDevices } from '../devices/checkApproverAssertion.ts';
import type { PendingRequest } from '../devices/createPendingRegistry.ts';

const RP_NAME = 'Latchkey';
export const TIMEOUT_MS = 5 * 60_000;

export const credentialBody = Type.Object({
  ceremony_id: Type.String({ minLength: 1, maxLength: 64 }),
  // The response is checked field by field by @simplewebauthn/server; here only its outline.
  response: Type.Object({
    id: Type.String({ minLength: 1, maxLength: 1024 }),
    rawId: Type.String({ minLength: 1, maxLength: 1024 }),
    type: Type.Literal('public-key'),
    response: Type.Object({}, { additionalProperties: true }),
  }, { additionalProperties: true }),
});
const registerBody = Type.Composite([credentialBody, Type.Object({
  // Printable text only: the name is shown in approval prompts and must not smuggle control characters.
  name: displayText(64),
  // A guest pairing: the secret of the share's invitation link (shares/).
  share_token: Type.Optional(shareTokenSchema),
})]);
const approveOptionsBody = Type.Object({ request_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });

/** A short, readable fingerprint of the public key, so the person approving can compare it. */
export function fingerprintOf(publicKey: Uint8Array): string {
  const hex = createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
  return hex.match(/.{4}/g)!.join(' ');
}

const sourceOf = (request: FastifyRequest) => ({ listener: request.lk.listener, ip: request.lk.ip });

export function requireRpId(request: FastifyRequest): string {
  const { rpId, origin } = request.lk;
  if (!rpId) {
    throw new LatchkeyError('ceremony_unavailable',
      `Passkeys need a host name, not an IP address. Open ${origin.replace(/\/\/[^:]+:/, '//localhost:')} instead.`, 400);
  }
  return rpId;
}

export function takeCeremony(s: Services, request: FastifyRequest, id: string, kind: Ceremony['kind']) {
  const taken = s.challenges.take(id, kind, request.lk.origin);
  if (taken.ok) return taken.ceremony;
  s.audit.record({ outcome: 'failure', method: kind === 'cli-login' ? kind : `passkey-${kind}`, origin: request.lk.origin, ip: request.lk.ip, reason: taken.reason });
  throw new LatchkeyError(taken.reason, taken.reason === 'challenge_expired'
    ? 'This passkey request took too long and expired. Try again.'
    : 'This passkey request is unknown or was already used. Try again.', 400);
}

/** The pairing budget's refusal, written to Activity (folded per client, so a flood cannot fill it). */
async function assertPairingRoom(s: Services, request: FastifyRequest) {
  try {
    await s.pairingBudget.assertRoom(request.lk.ip);
  } catch (err) {
    s.audit.recordFailure({ outcome: 'failure', method: 'passkey-register', origin: request.lk.origin, ip: request.lk.ip, reason: 'too_many_pairings' });
    throw err;
  }
}

/** An assertion challenge only the signed-in device's own passkey can answer (step-up, and one approval from a phone). */
async function ownPasskeyOptions(s: Services, request: FastifyRequest, kind: 'step-up' | 'approve', subject?: string, rpId = requireRpId(request)) {
  const device = request.lk.device!;
  const allowCredentials = isPasskey(device) ? [{ id: device.credential_id, transports: device.transports as never }] : [];
  const options = await (await loadWebAuthn()).generateAuthenticationOptions({ rpID: rpId, userVerification: 'required', timeout: TIMEOUT_MS, allowCredentials });
  const ceremonyId = s.challenges.put({ kind, ...(subject ? { subject } : {}), challenge: options.challenge, origin: request.lk.origin, rpId });
  return { ceremony_id: ceremonyId, options };
}

/** The live share an invitation link names, on the origin it opens; throws why the link cannot pair this browser. */
function checkInvitation(s: Services, request: FastifyRequest, token: string): Share {
  const share = s.shares.inspect(token, request.cookies[shareCookieName(request.lk.origin)]);
  assertInvitationHere(s, share, request.lk.origin);
  return share;
}

export function ceremonyRoutes(app: FastifyInstance, s: Services) {

  app.post('/auth/register/options', async (request) => {
    const rpId = requireRpId(request);
    const { origin, via } = request.lk;
    const trustedAtOnce = isPersonAtComputer(request);
    // Fail before the user is asked for Face ID, not after: a refused pairing must leave no passkey on the phone.
    if (!trustedAtOnce) {
      s.pending.assertRoom(sourceOf(request));
      await assertPairingRoom(s, request);
    }
    const options = await (await loadWebAuthn()).generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: rpId,
      // A fresh user handle per device, so enrolling again never overwrites a passkey the phone still needs.
      userID: randomBytes(16),
      // What the phone's passkey list shows: "iPhone · box.alice.ts.net", so two passkeys here are told apart.
      userName: `${describeUserAgent(request.headers['user-agent']).device_type} · ${new URL(origin).host}`,
      userDisplayName: `Latchkey on ${new URL(origin).host}`,
      timeout: TIMEOUT_MS,
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      // Listing existing credentials to an unauthenticated visitor would reveal them; only signed-in users get it.
      excludeCredentials: via === 'session' || trustedAtOnce
        ? s.store.list().filter(isPasskey).filter((p) => p.rp_id === rpId).map((p) => ({ id: p.credential_id, transports: p.transports }))
        : [],
    });
    const ceremonyId = s.challenges.put({ kind: 'register', challenge: options.challenge, origin, rpId });
    return { ceremony_id: ceremonyId, options };
  });

  app.post('/auth/register/verify', { schema: { body: registerBody } }, async (request, reply) => {
    const body = request.body as { ceremony_id: string; name: string; response: RegistrationResponseJSON; share_token?: string };
    const ctx = request.lk;
    requireRpId(request);
    const ceremony = takeCeremony(s, request, body.ceremony_id, 'register');
    // A guest's device is always approved on the computer, wherever it pairs from. The link is checked before the passkey, and bound after it.
    const invited = body.share_token === undefined ? null : checkInvitation(s, request, body.share_token);
    const trustedAtOnce = isPersonAtComputer(request) && !invited;
    if (!trustedAtOnce) s.pending.assertRoom(sourceOf(request));

    const refuse = (code: CeremonyRefusal) => {
      s.audit.record({ outcome: 'failure', method: 'passkey-register', origin: ctx.origin, ip: ctx.ip, reason: code });
      return ceremonyRefusal(code);
    };
    try {
      await checkCeremonyResponse(body.response, { type: 'webauthn.create', challenge: ceremony.challenge, origin: ceremony.origin, rpId: ceremony.rpId });
    } catch (err) {
      if (err instanceof LatchkeyError) throw refuse(err.code as CeremonyRefusal);
      throw err;
    }
    let info;
    try {
      const result = await (await loadWebAuthn()).verifyRegistrationResponse({
        response: body.response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: ceremony.origin,
        expectedRPID: ceremony.rpId,
        requireUserVerification: true,
      });
      if (!result.verified) throw new Error('not verified');
      info = result.registrationInfo;
    } catch {
      // Everything we can name was checked above; what is left is the attestation itself.
      throw refuse('attestation_invalid');
    }
    if (s.store.getByCredentialId(info.credential.id)) {
      throw new LatchkeyError('credential_exists', 'This passkey is already trusted here. Use Sign in with passkey.', 409);
    }

    const ua = describeUserAgent(request.headers['user-agent']);
    const name = body.name.trim();
    const passkey: TrustedPasskey = {
      kind: 'passkey',
      id: `dev_${randomBytes(6).toString('base64url')}`,
      credential_id: info.credential.id,
      public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
      name: name || ua.device_type,
      device_type: ua.device_type,
      browser: ua.browser,
      os: ua.os,
      origin: ctx.origin,
      rp_id: ceremony.rpId,
      fingerprint: fingerprintOf(info.credential.publicKey),
      created_at: new Date(s.clock.now()).toISOString(),
      last_used_at: null,
      counter: info.credential.counter,
      backup_eligible: info.credentialDeviceType === 'multiDevice',
      backup_state: info.credentialBackedUp,
      transports: body.response.response.transports ?? info.credential.transports ?? [],
      aaguid: info.aaguid,
      enrolled_via: ctx.listener,
      ...(invited ? { share_id: invited.id } : {}),
    };

    if (trustedAtOnce) {
      await s.store.add(passkey);
      s.audit.record({ outcome: 'success', method: 'passkey-register', device_id: passkey.id, origin: ctx.origin, ip: ctx.ip, reason: 'trusted_local' });
      await startSession(s, reply, passkey, ctx.origin);
      return { status: 'trusted', device: deviceView(passkey) };
    }

    s.pending.assertRoom(sourceOf(request));
    await s.pairingBudget.spend(ctx.ip);
    let guest: PendingRequest['guest'];
    if (invited) {
      // From here the link works in this browser only (its cookie), for this pairing and a retry of it.
      const claimed = await s.shares.claimLink(body.share_token!, request.cookies[shareCookieName(ctx.origin)]);
      if (claimed.binding) setShareCookie(reply, ctx.origin, claimed.binding);
      guest = { share_id: invited.id, app: invited.app, invited_as: invited.name, from: invited.from };
    }
    const { request: pending, code, secret } = s.pending.create({
      name: passkey.name, device_type: ua.device_type, browser: ua.browser, os: ua.os,
      origin: ctx.origin, rp_id: ceremony.rpId, fingerprint: passkey.fingerprint, ip: ctx.ip, device: passkey, ...(guest ? { guest } : {}),
    }, sourceOf(request));
    s.pairingBudget.paidFor(pending.id, ctx.ip);
    s.audit.record({
      outcome: 'info', method: 'passkey-register', name: pending.name, device_type: ua.device_type, origin: ctx.origin, ip: ctx.ip, reason: 'pending_approval', request_id: pending.id,
      ...(guest ? { share_id: guest.share_id, app: guest.app, invited_as: guest.invited_as } : {}),
    });
    setPairingCookie(reply, ctx.origin, secret, 10 * 60);
    return { status: 'pending', request: forRequester(pending, code) };
  });

  app.post('/auth/login/options', async (request) => {
    const rpId = requireRpId(request);
    const options = await (await loadWebAuthn()).generateAuthenticationOptions({ rpID: rpId, userVerification: 'required', timeout: TIMEOUT_MS });
    const ceremonyId = s.challenges.put({ kind: 'login', challenge: options.challenge, origin: request.lk.origin, rpId });
    return { ceremony_id: ceremonyId, options };
  });

  app.post('/auth/login/verify', { schema: { body: credentialBody } }, async (request, reply) => {
    const body = request.body as { ceremony_id: string; response: AuthenticationResponseJSON };
    const ctx = request.lk;
    requireRpId(request);
    const ceremony = takeCeremony(s, request, body.ceremony_id, 'login');
    const passkey = await verifyPasskeyAssertion(s, request, ceremony, body.response, 'passkey-login', { guests: true });
    const share = passkey.share_id ? s.shares.get(passkey.share_id) : undefined;
    if (passkey.share_id && !s.shares.live(passkey.share_id)) {
      s.audit.record({ outcome: 'failure', method: 'passkey-login', device_id: passkey.id, origin: ctx.origin, ip: ctx.ip, reason: 'share_ended', share_id: passkey.share_id });
      throw share ? s.shares.ended(share) : new LatchkeyError('share_ended', 'The share that let this passkey in has ended.', 410);
    }
    s.audit.record({ outcome: 'success', method: 'passkey-login', device_id: passkey.id, origin: ctx.origin, ip: ctx.ip, ...(share ? { share_id: share.id } : {}) });
    await startSession(s, reply, passkey, ctx.origin);
    return { status: 'signed_in', device: deviceView(passkey) };
  });

  /**
   * Step-up (routeRules: `stepUp`): the signed-in phone proves itself again with its own
   * passkey and user verification; for five minutes it may then remove another device or
   * make and rotate keys. Only the session's own credential is offered and accepted, so a
   * passkey of another device cannot lend its weight to this session.
   */
  app.post('/auth/step-up/options', async (request) => ownPasskeyOptions(s, request, 'step-up'));

  app.post('/auth/step-up/verify', { schema: { body: credentialBody } }, async (request) => {
    const body = request.body as { ceremony_id: string; response: AuthenticationResponseJSON };
    const ctx = request.lk;
    requireRpId(request);
    const ceremony = takeCeremony(s, request, body.ceremony_id, 'step-up');
    const passkey = await verifyPasskeyAssertion(s, request, ceremony, body.response, 'step-up');
    if (passkey.id !== ctx.device?.id) {
      s.audit.record({ outcome: 'failure', method: 'step-up', device_id: ctx.device?.id ?? null, origin: ctx.origin, ip: ctx.ip, reason: 'other_device_passkey' });
      throw new LatchkeyError('step_up_wrong_passkey', 'Use the passkey of this device: the one this browser signed in with.', 403);
    }
    s.stepUps.mark(passkey.id);
    s.audit.record({ outcome: 'success', method: 'step-up', device_id: passkey.id, origin: ctx.origin, ip: ctx.ip });
    return { stepped_up: true, valid_for_s: Math.round(STEP_UP_TTL_MS / 1000) };
  });

  /**
   * The passkey check one approval from a phone needs (approve_from_devices): a challenge bound
   * to that one pending request and to this device's own credential. It is used up by the
   * approval it is sent with (devices/checkApproverAssertion), so no assertion approves twice.
   */
  app.post('/auth/approve/options', { schema: { body: approveOptionsBody } }, async (request) => {
    const rpId = requireRpId(request);
    assertApprovalsFromDevices(s);
    const { request_id: requestId } = request.body as { request_id: string };
    s.pending.assertOpen(requestId);
    return ownPasskeyOptions(s, request, 'approve', requestId, rpId);
  });
}
