/**
 * @simplewebauthn/server and its ASN.1 and CBOR parsers are the heaviest thing Latchkey
 * loads (about 150 ms and 25 MB). Only ceremonies need them, never the per-request session
 * check, so they are loaded on the first ceremony and kept.
 */
let loaded: Promise<typeof import('@simplewebauthn/server')> | undefined;

export function loadWebAuthn(): Promise<typeof import('@simplewebauthn/server')> {
  loaded ??= import('@simplewebauthn/server');
  return loaded;
}

let helpers: Promise<typeof import('@simplewebauthn/server/helpers')> | undefined;

/** The library's decoders (CBOR, base64url, authenticator data), loaded with it on the first ceremony. */
export function loadWebAuthnHelpers(): Promise<typeof import('@simplewebauthn/server/helpers')> {
  helpers ??= import('@simplewebauthn/server/helpers');
  return helpers;
}
