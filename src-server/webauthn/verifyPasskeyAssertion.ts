import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { TrustedPasskey } from '../store/openPasskeyStore.ts';
import type { Ceremony } from './createChallengeStore.ts';
import { describeVerificationError } from './describeVerificationError.ts';

/**
 * Verifies a WebAuthn assertion against a trusted passkey, as guard clauses:
 * the credential must be trusted for this RP ID, the signature, origin, RP ID, challenge
 * and user verification must check out (@simplewebauthn/server), and the counter must not
 * go backwards (a cloned authenticator). Every refusal is audited under `method`.
 * On success the new counter and last-used time are stored.
 */
export async function verifyPasskeyAssertion(
  s: Services, request: FastifyRequest, ceremony: Ceremony, response: AuthenticationResponseJSON, method: string,
): Promise<TrustedPasskey> {
  const ctx = request.lk;
  const passkey = s.store.getByCredentialId(response.id);
  if (!passkey || passkey.rp_id !== ceremony.rpId) {
    s.audit.record({ outcome: 'failure', method, origin: ctx.origin, ip: ctx.ip, reason: 'unknown_credential' });
    throw new LatchkeyError('unknown_credential',
      'This passkey is not trusted here: it may have been revoked, or it is still waiting for approval on the computer.', 401);
  }
  let info;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: ceremony.origin,
      expectedRPID: ceremony.rpId,
      credential: { id: passkey.credential_id, publicKey: Buffer.from(passkey.public_key, 'base64url'), counter: passkey.counter, transports: passkey.transports as never },
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error('not verified');
    info = result.authenticationInfo;
  } catch (err) {
    const { code, message } = describeVerificationError(err);
    s.audit.record({ outcome: 'failure', method, device_id: passkey.id, origin: ctx.origin, ip: ctx.ip, reason: code });
    throw new LatchkeyError(code, message, code === 'counter_regression' ? 401 : 400);
  }
  await s.store.recordUse(passkey.id, {
    counter: info.newCounter, backup_state: info.credentialBackedUp, last_used_at: new Date(s.clock.now()).toISOString(),
  });
  return passkey;
}
