import type { TrustedPasskey } from '../../src-server/store/openPasskeyStore.ts';

/**
 * A trusted-passkey record for tests that need a device without running a ceremony (the
 * ceremonies have their own tests). Defaults: a phone on the tailnet origin.
 */
export function testPasskey(id: string, overrides: Partial<TrustedPasskey> = {}): TrustedPasskey {
  return {
    id, credential_id: `cred_${id}`, public_key: 'pk', name: 'Phone', device_type: 'iPhone', origin: 'https://box.alice.ts.net',
    rp_id: 'alice.ts.net', fingerprint: '0000 0000 0000 0000', created_at: new Date().toISOString(), last_used_at: null,
    counter: 0, backup_eligible: false, backup_state: false, transports: [], aaguid: '', enrolled_via: 'remote',
    ...overrides,
  };
}
