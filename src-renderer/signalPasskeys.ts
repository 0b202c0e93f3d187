/**
 * WebAuthn's Signal API (Chrome 132+, Safari 26+): tells the phone's passkey manager which of
 * its passkeys Latchkey does not know, so a pairing that was cancelled, denied or expired, or a
 * passkey removed on the computer, leaves the phone's list instead of piling up there. Where a
 * browser lacks it, nothing happens; it is a courtesy, never a security boundary.
 */
type SignalApi = {
  signalUnknownCredential?: (o: { rpId: string; credentialId: string }) => Promise<void>;
  signalAllAcceptedCredentials?: (o: { rpId: string; userId: string; allAcceptedCredentialIds: string[] }) => Promise<void>;
};
const signals = () => (typeof PublicKeyCredential === 'undefined' ? {} : PublicKeyCredential as unknown as SignalApi);

/** This passkey is not (or no longer) trusted here: the phone may delete it. */
export async function forgetPasskey(rpId: string, credentialId: string): Promise<void> {
  try {
    await signals().signalUnknownCredential?.({ rpId, credentialId });
  } catch {
    // A browser may refuse a signal (no such credential, no focus): nothing to do.
  }
}

/**
 * After a sign-in: this device's user handle has exactly this one passkey here (each pairing
 * gets its own handle), so any other the manager keeps under that handle can go.
 */
export async function keepOnlyPasskey(rpId: string, userId: string, credentialId: string): Promise<void> {
  try {
    await signals().signalAllAcceptedCredentials?.({ rpId, userId, allAcceptedCredentialIds: [credentialId] });
  } catch {
    // As above.
  }
}
