/**
 * Maps a @simplewebauthn/server verification failure to a stable code and a message a
 * person can act on. Library messages are not passed through: they may echo challenges.
 */
export function describeVerificationError(err: unknown): { code: string; message: string } {
  const text = err instanceof Error ? err.message : String(err);
  if (/counter value/i.test(text)) {
    return { code: 'counter_regression', message: 'This passkey reported a signature counter that went backwards, a sign of a cloned key. Sign-in refused; the event is in the audit log.' };
  }
  if (/origin/i.test(text)) return { code: 'origin_mismatch', message: 'The passkey response was made for a different website origin.' };
  if (/rp ?id/i.test(text)) return { code: 'rp_id_mismatch', message: 'The passkey response was made for a different relying party (RP ID).' };
  if (/user could not be verified|user verification/i.test(text)) {
    return { code: 'user_verification_required', message: 'The authenticator did not verify you (Face ID, fingerprint or PIN is required).' };
  }
  if (/challenge/i.test(text)) return { code: 'challenge_mismatch', message: 'The passkey response does not answer this ceremony\'s challenge.' };
  return { code: 'verification_failed', message: 'The passkey response could not be verified.' };
}
