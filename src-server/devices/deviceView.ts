import type { TrustedDevice } from '../store/openPasskeyStore.ts';

/** A device as the API shows it: everything but key material and the device cookie's hash; `kind` always set. */
export function deviceView(d: TrustedDevice) {
  if (d.kind === 'browser') {
    const { cookie_hash: _hash, ...rest } = d;
    return rest;
  }
  const { public_key: _key, ...rest } = d;
  return { ...rest, kind: 'passkey' as const };
}

/** What the API returns for a device; the renderer and the CLI's client read the same type. */
export type DeviceView = ReturnType<typeof deviceView>;
