import type { TrustedPasskey } from '../store/openPasskeyStore.ts';

/** A passkey as the API shows it: everything but the key material itself. */
export function deviceView(p: TrustedPasskey) {
  const { public_key: _key, ...rest } = p;
  return rest;
}
