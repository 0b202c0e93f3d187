import { startRegistration } from '@simplewebauthn/browser';
import { useState } from 'react';
import { FALLBACK_LABELS, type FallbackMethod } from '../../src-server/fallbacks/fallbackMethods.ts';
import { ago, api, describeError, exactly, type AuthState, type Device } from '../api.ts';
import { When } from '../components/When.tsx';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import { AgentList } from '../components/AgentList.tsx';
import { useApi } from '../useApi.ts';
import { useCeremonyOptions } from '../useCeremonyOptions.ts';
import { useStepUp } from '../useStepUp.ts';

// "No passkey · password": the server's label for the method, without its article.
const methodLabel = (method: string) => (FALLBACK_LABELS[method as FallbackMethod] ?? method).replace(/^an? /, '');

/**
 * Devices: every trusted device (passkeys, and browsers trusted through a fallback) with what
 * tells them apart, and Remove, which asks first. A removed device is refused on its next
 * request (sessions and tokens alike) and can pair again later. Below: a passkey for this device.
 */
export function DevicesPage({ state, reloadState }: { state: AuthState; reloadState: () => Promise<void> }) {
  const { data, status, setStatus, run, reload } = useApi<{ devices: Device[] }>('/api/devices');
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [name, setName] = useState(state.suggested_name);
  const { ready, error: optionsError, refresh } = useCeremonyOptions('/auth/register/options', state.rp_id !== null);
  // A phone removes another device only after a fresh passkey check (the computer needs none).
  const stepUp = useStepUp(state.principal === 'owner_device');

  const askRemove = (d: Device) => setConfirm({
    title: `Remove ${d.name}?`,
    body: d.id === state.device?.id
      ? 'This is the device you are using: it is signed out at once, and needs to pair again to get back in.'
      : 'It is refused on its next request, and the CLI tokens it approved stop working. It can pair again later.',
    confirm: 'Remove',
    onConfirm: () => void run(() => {
      const remove = () => api(`/api/devices/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
      return d.id === state.device?.id ? remove() : stepUp(remove);
    }, () => `Removed ${d.name}.`)
      .then(() => (d.id === state.device?.id ? reloadState() : undefined)),
  });

  async function setUp() {
    if (!ready) return;
    try {
      const response = await startRegistration({ optionsJSON: ready.options });
      const result = await api('/auth/register/verify', { method: 'POST', body: { ceremony_id: ready.ceremony_id, name, response } });
      setStatus(result.status === 'trusted'
        ? { text: `Passkey "${name}" is set up.`, tone: 'ok' }
        : { text: `Waiting for approval on the computer: pick code ${result.request.code} there.`, tone: 'info' });
      await reload();
    } catch (err) {
      setStatus({ text: describeError(err), tone: 'bad' });
    }
    void refresh();
  }

  const devices = data?.devices ?? [];
  return (
    <>
      <section className="card">
        <p className="muted">Every device that can reach this computer through Latchkey. Remove any you do not recognise.</p>
        {data && devices.length === 0 && <p className="muted">No trusted devices yet.</p>}
        <ul className="device-list">
          {devices.map((d) => (
            <li key={d.id} className="device" data-device-id={d.id}>
              <div className="device-head">
                <strong className="device-name">{d.name}</strong>
                {d.id === state.device?.id && <span className="tag">This device</span>}
                <span className="tag neutral">{d.kind === 'browser' ? `No passkey · ${methodLabel(d.method)}` : d.share_id ? 'Guest passkey' : 'Passkey'}</span>
                {d.approved_from && <span className="tag neutral">Approved from {d.approved_from.name}</span>}
              </div>
              <p className="device-facts">
                {[d.device_type, d.browser, d.os].filter(Boolean).join(' · ')}
                <br />
                <span className="muted">{d.origin}</span>
              </p>
              <p className="device-facts small muted">
                <span title={d.last_used_at ? exactly(d.last_used_at) : undefined}>{ago(d.last_used_at)}</span> · registered <When iso={d.created_at} /> · fingerprint <code>{d.fingerprint}</code>
              </p>
              <button className="danger" onClick={() => askRemove(d)} aria-label={`Remove ${d.name}`}>Remove</button>
            </li>
          ))}
        </ul>
        <StatusMessage status={status} />
      </section>
      <section className="card">
        <h2>Set up a passkey on this device</h2>
        <label htmlFor="device-name">Device name</label>
        <input id="device-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        <button disabled={!ready || !name.trim()} onClick={setUp}>Set up passkey</button>
        {optionsError && <p className="error">{optionsError}</p>}
      </section>
      <AgentList state={state} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}
