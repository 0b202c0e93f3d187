import { useState } from 'react';
import { api, type AuthState } from '../api.ts';
import type { AgentClientView, WaitingAgentView } from '../../src-server/client/createLatchkeyClient.ts';
import { useApi } from '../useApi.ts';
import { ConfirmDialog, type ConfirmRequest } from './ConfirmDialog.tsx';
import { StatusMessage } from './StatusMessage.tsx';
import { When } from './When.tsx';

/**
 * Agents (MCP clients) beside the devices: each with the address it returns to (its name is a
 * claim), the app it may use and who allowed it, and Revoke. On the computer, an agent a phone
 * allowed waits here until the code the phone shows is typed.
 */
export function AgentList({ state }: { state: AuthState }) {
  const { data, status, run } = useApi<{ clients: AgentClientView[] }>('/api/clients');
  const waiting = useApi<{ waiting: WaitingAgentView[] }>(state.person_at_computer ? '/api/agents/waiting' : null);
  const [codes, setCodes] = useState<Record<string, string>>({});
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const clients = data?.clients ?? [];
  const deviceName = (id: string) => (id === 'computer' ? 'this computer' : id === state.device?.id ? 'this device' : id);

  const approve = (w: WaitingAgentView) => void waiting.run(
    () => api(`/api/agents/waiting/${encodeURIComponent(w.uid)}/approve`, { method: 'POST', body: { code: codes[w.uid] ?? '' } }),
    () => `Allowed ${w.client_name} to use ${w.app}.`,
  );

  return (
    <section className="card" aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      <p className="muted">MCP clients you allowed through OAuth, each for one app. Their names are their own; the address they return to is the fact.</p>
      {(waiting.data?.waiting ?? []).map((w) => (
        <form key={w.uid} className="request card" onSubmit={(e) => { e.preventDefault(); approve(w); }}>
          <p><strong>{w.client_name}</strong> (returns to {w.redirect_host}) was allowed on {w.device_name} to use <strong>{w.app}</strong>.</p>
          <label htmlFor={`agent-code-${w.uid}`}>Code on {w.device_name}</label>
          <div className="code-row">
            <input id={`agent-code-${w.uid}`} className="code-input" inputMode="numeric" maxLength={2} autoComplete="off"
              value={codes[w.uid] ?? ''} onChange={(e) => setCodes({ ...codes, [w.uid]: e.target.value.replace(/\D/g, '').slice(0, 2) })} />
            <button type="submit" disabled={!/^\d{2}$/.test(codes[w.uid] ?? '')}>Approve</button>
          </div>
        </form>
      ))}
      <StatusMessage status={waiting.status} />
      {data && clients.length === 0 && <p className="muted">No agents yet. Add an MCP app's address to your agent; it signs in here.</p>}
      <ul className="device-list">
        {clients.map((c) => (
          <li key={c.id} className="device" data-client-id={c.id}>
            <div className="device-head">
              <strong className="device-name">{c.name ?? c.id}</strong>
              <span className="tag neutral">{c.allowed ? 'Allowed' : 'Registered, not allowed'}</span>
            </div>
            <p className="device-facts">
              Returns to {c.redirect_hosts.join(', ')}
              <br />
              <span className="muted">{c.resources.length ? `Uses ${c.resources.join(', ')}` : 'Reaches nothing'}{c.granted_by.length ? ` · allowed by ${c.granted_by.map(deviceName).join(', ')}` : ''}</span>
            </p>
            {c.registered_at && <p className="device-facts small muted">registered <When iso={c.registered_at} /></p>}
            <button className="danger" aria-label={`Revoke ${c.name ?? c.id}`} onClick={() => setConfirm({
              title: `Revoke ${c.name ?? c.id}?`, body: 'Its tokens are refused from its next request on. It can ask again, and you decide again.', confirm: 'Revoke',
              onConfirm: () => void run(() => api(`/api/clients/${encodeURIComponent(c.id)}`, { method: 'DELETE' }), () => `Revoked ${c.name ?? c.id}.`),
            })}>Revoke</button>
          </li>
        ))}
      </ul>
      <StatusMessage status={status} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}
