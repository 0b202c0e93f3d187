import { createHash } from 'node:crypto';
import type { ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { loadWebAuthnHelpers } from './loadWebAuthn.ts';

export interface ExpectedCeremony {
  /** WebAuthn L3 §7.1 step 7 / §7.2 step 11. */
  type: 'webauthn.create' | 'webauthn.get';
  challenge: string;
  origin: string;
  rpId: string;
}

/** Why a ceremony response was refused. Every code is decided by a comparison of ours, never by client text. */
export type CeremonyRefusal =
  | 'malformed_response' | 'wrong_ceremony_type' | 'challenge_mismatch' | 'origin_mismatch' | 'rp_id_mismatch'
  | 'user_presence_required' | 'user_verification_required' | 'signature_invalid' | 'attestation_invalid' | 'counter_regression';

const MESSAGES: Record<CeremonyRefusal, string> = {
  malformed_response: 'The passkey response could not be read.',
  wrong_ceremony_type: 'The passkey response belongs to another kind of ceremony.',
  challenge_mismatch: 'The passkey response does not answer this ceremony\'s challenge.',
  origin_mismatch: 'The passkey response was made for a different website origin.',
  rp_id_mismatch: 'The passkey response was made for a different relying party (RP ID).',
  user_presence_required: 'The authenticator did not confirm that you were present.',
  user_verification_required: 'The authenticator did not verify you (Face ID, fingerprint or PIN is required).',
  signature_invalid: 'The passkey\'s signature does not verify.',
  attestation_invalid: 'The new passkey\'s registration data does not verify.',
  counter_regression: 'This passkey reported a signature counter that went backwards, a sign of a cloned key. Sign-in refused; the event is in the audit log.',
};

export function ceremonyRefusal(code: CeremonyRefusal): LatchkeyError {
  return new LatchkeyError(code, MESSAGES[code], code === 'counter_regression' ? 401 : 400);
}

/**
 * The checks of WebAuthn L3 §7.1 (registration) and §7.2 (authentication) whose failure we
 * name, done here as guard clauses against values we hold (the ceremony's type, challenge,
 * origin and RP ID), before @simplewebauthn/server verifies attestation and signature. The
 * library's error messages echo client-controlled fields, so they never decide an audit reason.
 * Returns the parsed authenticator data (flags, counter) for the caller's later checks.
 */
export async function checkCeremonyResponse(
  response: { response?: { clientDataJSON?: unknown; attestationObject?: unknown; authenticatorData?: unknown } },
  expected: ExpectedCeremony,
): Promise<ParsedAuthenticatorData> {
  const { decodeAttestationObject, decodeClientDataJSON, isoBase64URL, parseAuthenticatorData } = await loadWebAuthnHelpers();
  const body = response.response ?? {};
  // §7.1 steps 5–6 / §7.2 steps 9–10: clientDataJSON is UTF-8 JSON.
  let client: { type?: unknown; challenge?: unknown; origin?: unknown };
  try {
    if (typeof body.clientDataJSON !== 'string') throw new Error('missing');
    client = decodeClientDataJSON(body.clientDataJSON);
    if (typeof client !== 'object' || client === null) throw new Error('not an object');
  } catch {
    throw ceremonyRefusal('malformed_response');
  }
  if (client.type !== expected.type) throw ceremonyRefusal('wrong_ceremony_type');
  // §7.1 step 8 / §7.2 step 12: the challenge we issued for this ceremony, exactly.
  if (client.challenge !== expected.challenge) throw ceremonyRefusal('challenge_mismatch');
  // §7.1 step 9 / §7.2 step 13: the exact allowlisted origin, from configuration (SECURITY.md §2).
  if (client.origin !== expected.origin) throw ceremonyRefusal('origin_mismatch');

  let authData: ParsedAuthenticatorData;
  try {
    const raw = expected.type === 'webauthn.create'
      ? decodeAttestationObject(isoBase64URL.toBuffer(String(body.attestationObject))).get('authData')
      : isoBase64URL.toBuffer(String(body.authenticatorData));
    authData = parseAuthenticatorData(raw);
  } catch {
    throw ceremonyRefusal('malformed_response');
  }
  // §7.1 step 13 / §7.2 step 15: the authenticator scoped the credential to our RP ID.
  const rpIdHash = createHash('sha256').update(expected.rpId).digest();
  if (!rpIdHash.equals(Buffer.from(authData.rpIdHash))) throw ceremonyRefusal('rp_id_mismatch');
  // §7.1 steps 14–15 / §7.2 steps 16–17: present, and verified (Face ID, fingerprint, PIN).
  if (!authData.flags.up) throw ceremonyRefusal('user_presence_required');
  if (!authData.flags.uv) throw ceremonyRefusal('user_verification_required');
  return authData;
}
