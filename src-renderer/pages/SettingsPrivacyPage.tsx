import { startRegistration } from '@simplewebauthn/browser';
import { useState } from 'react';
import { api, describeError, type AuthState, type Device } from '../api.ts';
import { DeviceTable } from '../components/DeviceTable.tsx';
import { useCeremonyOptions } from '../useCeremonyOptions.ts';
import { useDeviceList } from '../useDeviceList.ts';
import { pairPrompt } from './HomePage.tsx';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

/** Settings → Privacy: the Passkeys list with Revoke, Set up passkey, and the Pair prompt switch. */
export function SettingsPrivacyPage({ state }: { state: AuthState }) {
  const { devices, message, setMessage, load, remove } = useDeviceList();
  const [name, setName] = useState(state.suggested_name);
  const { ready, error: optionsError, refresh } = useCeremonyOptions('/auth/register/options', state.rp_id !== null);

  const revoke = (device: Device) =>
    remove(device, `Revoke the passkey "${device.name}"? That device is refused on its next request.`, `Revoked ${device.name}.`);

  async function setUp() {
    if (!ready) return;
    try {
      const response = await startRegistration({ optionsJSON: ready.options });
      const result = await api('/auth/register/verify', { method: 'POST', body: { ceremony_id: ready.ceremony_id, name, response } });
      setMessage({ text: result.status === 'trusted' ? `Passkey "${name}" is set up.` : `Waiting for approval on the computer (code ${result.request.code}).` });
      await load();
    } catch (err) {
      setMessage({ text: describeError(err), bad: true });
    }
    void refresh();
  }

  return (
    <section className="card">
      <p className="crumbs">Settings → Privacy · <a href={lk('/settings/security')}>Security</a> · <a href={lk('/settings/keys')}>API keys</a></p>
      <h1>Passkeys</h1>
      <h2>Enrolled passkeys</h2>
      <DeviceTable devices={devices} actionLabel="Revoke" onAction={revoke} />
      <h2>Set up passkey</h2>
      <label htmlFor="device-name">Device name</label>
      <input id="device-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
      <button disabled={!ready || !name.trim()} onClick={setUp}>Set up passkey</button>
      {optionsError && <p className="error">{optionsError}</p>}
      {message && <p className={message.bad ? 'error' : 'ok'} role="status">{message.text}</p>}
      <h2>Pair prompt</h2>
      <button className="secondary" onClick={() => { pairPrompt.restore(); setMessage({ text: 'The pair prompt will show again.' }); }}>
        Show pair prompt again
      </button>
    </section>
  );
}
