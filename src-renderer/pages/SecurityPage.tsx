import { useState } from 'react';
import { api, type AuthState } from '../api.ts';
import { FallbackSettings } from '../components/FallbackSettings.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import type { Status } from '../useApi.ts';
import { pairPrompt } from './HomePage.tsx';

/** Security: who approves what (devices from a phone, agents allowed from a phone), the sign-in fallbacks (changed on the computer only), and the Pair prompt on this device. */
export function SecurityPage({ state, reloadState }: { state: AuthState; reloadState: () => Promise<void> }) {
  const [status, setStatus] = useState<Status>(null);
  const [approveStatus, setApproveStatus] = useState<Status>(null);
  const [agentStatus, setAgentStatus] = useState<Status>(null);
  /** One switch of the computer's settings: saved, the page's state reloaded, and the outcome said in words. */
  const saveSwitch = (path: string, report: (s: Status) => void, said: (enabled: boolean) => string) => async (enabled: boolean) => {
    try {
      await api(path, { method: 'PUT', body: { enabled } });
      await reloadState();
      report({ text: said(enabled), tone: 'ok' });
    } catch (err) {
      report({ text: (err as Error).message, tone: 'bad' });
    }
  };
  const setApproveFromDevices = saveSwitch('/api/settings/approve-from-devices', setApproveStatus,
    (on) => (on ? 'Your passkey devices can now approve new devices.' : 'Only this computer approves new devices.'));
  const setApproveNewAgents = saveSwitch('/api/settings/approve-new-agents', setAgentStatus,
    (on) => (on ? 'An agent allowed from a phone now waits for this computer to type its code.' : 'An agent allowed from a phone is allowed at once, after its passkey check.'));
  return (
    <>
      <section className="card">
        <h2>Agents allowed from a phone</h2>
        <p className="muted">When you allow an agent (an MCP client) from a phone, the phone shows a code and this computer types it before the agent gets anything, as for a new device. Allowed on this computer, an agent needs nothing more.</p>
        <label className="switch">
          <input type="checkbox" role="switch" checked={state.approve_new_agents === 'from_phone'} disabled={!state.person_at_computer}
            onChange={(e) => void setApproveNewAgents(e.target.checked)} />
          {' '}Also approve on this computer
        </label>
        {!state.person_at_computer && <p className="small muted">Changed on the computer only.</p>}
        <StatusMessage status={agentStatus} />
      </section>
      <section className="card">
        <h2>Approve from your phone</h2>
        <p className="muted">Let a paired passkey device approve new devices from Pending: it types the code the new device shows and confirms each approval with its passkey. This computer is told of every approval made that way. Browsers signed in with a fallback, guests and API keys can never approve.</p>
        <label className="switch">
          <input type="checkbox" role="switch" checked={state.approve_from_devices} disabled={!state.person_at_computer}
            onChange={(e) => void setApproveFromDevices(e.target.checked)} />
          {' '}Passkey devices may approve new devices
        </label>
        {!state.person_at_computer && <p className="small muted">Changed on the computer only.</p>}
        <StatusMessage status={approveStatus} />
      </section>
      <section className="card">
        <FallbackSettings canChange={state.person_at_computer} />
      </section>
      <section className="card">
        <h2>Pair prompt</h2>
        <p className="muted">Home suggests setting up a passkey when this device got in without one.</p>
        <button className="secondary" onClick={() => { pairPrompt.restore(); setStatus({ text: 'The pair prompt will show again.', tone: 'ok' }); }}>
          Show pair prompt again
        </button>
        <StatusMessage status={status} />
      </section>
    </>
  );
}
