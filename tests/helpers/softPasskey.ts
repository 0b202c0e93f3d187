import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

// Authenticator data flags (WebAuthn L3 §6.1).
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface CeremonyInput {
  origin: string;
  rpId: string;
  challenge: string;
  /** Overrides for negative tests: what the "browser" claims in clientDataJSON. */
  type?: string;
  clientOrigin?: string;
  clientChallenge?: string;
  userVerified?: boolean;
  /** The counter this assertion reports (default: one more than the last). */
  counter?: number;
  /** Sign something else, as an attacker without the private key would have to. */
  forgeSignature?: boolean;
}

/**
 * A software passkey: a P-256 key pair from node:crypto, a COSE public key encoded with the
 * library's own CBOR, `none` attestation and ES256 signatures over authData || SHA-256(clientDataJSON).
 * For races and floods, where a browser is too slow (TESTING.md); every flow also has a real-Chromium test.
 */
export function createSoftPasskey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credentialId = randomBytes(16);
  const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([
    [1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')],
  ]));
  let counter = 0;

  const authData = (rpId: string, flags: number, count: number, attested: boolean) => {
    const counterBuf = Buffer.alloc(4);
    counterBuf.writeUInt32BE(count);
    const parts = [sha256(rpId), Buffer.from([flags]), counterBuf];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(credentialId.length);
      parts.push(Buffer.alloc(16), len, credentialId, Buffer.from(cose));
    }
    return Buffer.concat(parts);
  };
  const clientData = (input: CeremonyInput, type: string) => Buffer.from(JSON.stringify({
    type: input.type ?? type,
    challenge: input.clientChallenge ?? input.challenge,
    origin: input.clientOrigin ?? input.origin,
    crossOrigin: false,
  }));
  const flagsOf = (input: CeremonyInput) => UP | (input.userVerified === false ? 0 : UV);

  return {
    id: b64url(credentialId),

    /** A RegistrationResponseJSON as @simplewebauthn/browser would send it. */
    register(input: CeremonyInput) {
      const data = authData(input.rpId, flagsOf(input) | AT, 0, true);
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', data]]) as never);
      return {
        id: b64url(credentialId), rawId: b64url(credentialId), type: 'public-key' as const,
        response: { clientDataJSON: b64url(clientData(input, 'webauthn.create')), attestationObject: b64url(attestationObject), transports: ['internal'] },
        clientExtensionResults: {},
      };
    },

    /** An AuthenticationResponseJSON signed with this passkey's key. */
    assert(input: CeremonyInput) {
      counter = input.counter ?? counter + 1;
      const data = authData(input.rpId, flagsOf(input), counter, false);
      const cd = clientData(input, 'webauthn.get');
      const signed = input.forgeSignature ? randomBytes(64) : Buffer.concat([data, sha256(cd)]);
      const signature = createSign('SHA256').update(signed).sign(privateKey);
      return {
        id: b64url(credentialId), rawId: b64url(credentialId), type: 'public-key' as const,
        response: { clientDataJSON: b64url(cd), authenticatorData: b64url(data), signature: b64url(signature) },
        clientExtensionResults: {},
      };
    },
  };
}

export type SoftPasskey = ReturnType<typeof createSoftPasskey>;
