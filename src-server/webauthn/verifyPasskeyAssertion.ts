import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { loadWebAuthn } from './loadWebAuthn.ts';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { TrustedPasskey } from '../store/openPasskeyStore.ts';
import type { Ceremony } from './createChallengeStore.ts';
import { ceremonyRefusal, checkCeremonyResponse, type CeremonyRefusal } from './checkCeremonyResponse.ts';

/**
 * Verifies a WebAuthn assertion against a trusted passkey, as guard clauses:
 * 1. the credential must be trusted for this RP ID (and be the owner's, unless `guests`);
 * 2. type, challenge, origin, RP ID hash, presence and verification (checkCeremonyResponse);
 * 3. the signature (@simplewebauthn/server, given counter 0 so that it judges the signature alone);
 * 4. only then the counter (§7.2 step 22): a backwards counter under a valid signature is a
 *    cloned authenticator, and an unsigned response can never raise that alarm.
 * Every refusal is audited under `method`, with a reason we decided. On success the new
 * counter and last-used time are stored.
 */
export async function verifyPasskeyAssertion(
  s: Services, request: FastifyRequest, ceremony: Ceremony, response: AuthenticationResponseJSON, method: string,
  opts: { guests?: boolean } = {},
): Promise<TrustedPasskey> {
  const ctx = request.lk;
  const refuse = (code: CeremonyRefusal, deviceId: string | null) => {
    s.audit.record({ outcome: 'failure', method, device_id: deviceId, origin: ctx.origin, ip: ctx.ip, reason: code });
    return ceremonyRefusal(code);
  };
  const passkey = s.store.getByCredentialId(response.id);
  if (!passkey || passkey.rp_id !== ceremony.rpId) {
    s.audit.record({ outcome: 'failure', method, origin: ctx.origin, ip: ctx.ip, reason: 'unknown_credential' });
    throw new LatchkeyError('unknown_credential',
      'This passkey is not trusted here: it may have been revoked, or it is still waiting for approval on the computer.', 401);
  }
  // A guest's passkey signs its guest in, and nothing else: it never allows a CLI login, a step-up or an approval.
  if (passkey.share_id && !opts.guests) {
    s.audit.record({ outcome: 'failure', method, device_id: passkey.id, origin: ctx.origin, ip: ctx.ip, reason: 'guest_passkey' });
    throw new LatchkeyError('guest_passkey', 'This is a guest\'s passkey: it opens the one app shared with it, and cannot approve or change anything.', 403);
  }
  let authData;
  try {
    authData = await checkCeremonyResponse(response, { type: 'webauthn.get', challenge: ceremony.challenge, origin: ceremony.origin, rpId: ceremony.rpId });
  } catch (err) {
    if (err instanceof LatchkeyError) throw refuse(err.code as CeremonyRefusal, passkey.id);
    throw err;
  }
  try {
    const result = await (await loadWebAuthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: ceremony.origin,
      expectedRPID: ceremony.rpId,
      credential: { id: passkey.credential_id, publicKey: Buffer.from(passkey.public_key, 'base64url'), counter: 0, transports: passkey.transports as never },
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error('not verified');
  } catch {
    throw refuse('signature_invalid', passkey.id);
  }
  // Synced passkeys always report 0, which must be accepted; a counting one must only go up.
  if ((authData.counter > 0 || passkey.counter > 0) && authData.counter <= passkey.counter) {
    throw refuse('counter_regression', passkey.id);
  }
  await s.store.recordUse(passkey.id, {
    counter: authData.counter, backup_state: authData.flags.bs, last_used_at: new Date(s.clock.now()).toISOString(),
  });
  return passkey;
}
