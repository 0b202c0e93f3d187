import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, describeError, type AuthState } from '../api.ts';
import { useStepUp } from '../useStepUp.ts';

interface AgentRequest {
  uid: string;
  client_id: string;
  client_name: string | null;
  logo_uri: string | null;
  redirect_host: string;
  app: string;
  resource: string;
  origin: string;
  expires_in_s: number;
  waiting: { outcome: 'waiting' | 'approved' | 'denied'; expires_in_s: number; return_to: string | null } | null;
}

/**
 * Where the owner allows an agent (an MCP client) to use one app: the MCP authorization flow
 * sends the agent's browser here, on an origin where no app's script runs. The client's name
 * and logo are its own claims, so the address it returns to stands beside them. From a phone,
 * Allow asks for the passkey again (step-up), and then, unless the owner turned it off, for
 * the computer to type the code shown here, as for a new device.
 */
export function AgentAllowPage({ state }: { state: AuthState }) {
  const uid = new URLSearchParams(window.location.search).get('uid') ?? '';
  const [ask, setAsk] = useState<AgentRequest | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const phone = state.principal === 'owner_device';
  const withStepUp = useStepUp(phone);

  const load = useCallback(async () => {
    try {
      const found = await api<AgentRequest>(`/api/agents/requests/${encodeURIComponent(uid)}`);
      setAsk(found);
      return found;
    } catch (err) {
      setError((err as Error).message);
      return null;
    }
  }, [uid]);
  useEffect(() => void load(), [load]);

  // Waiting for the computer: look again every second and a half until it decides.
  useEffect(() => {
    if (!code) return;
    const timer = setInterval(() => {
      void load().then((found) => {
        const w = found?.waiting;
        if (w?.outcome === 'approved' && w.return_to) {
          clearInterval(timer);
          setDone('Allowed on the computer. Handing the sign-in back to the agent…');
          window.location.assign(w.return_to);
        } else if (w?.outcome === 'denied') {
          clearInterval(timer);
          setCode(null);
          setDone(null);
          setError('The computer did not allow it (a wrong code was typed, or it was denied). Start again from the agent.');
        }
      });
    }, 1500);
    return () => clearInterval(timer);
  }, [code, load]);

  async function allow() {
    setBusy(true);
    setError(null);
    try {
      const result = await withStepUp(() => api<{ return_to: string | null; waiting: { code: string } | null }>(`/api/agents/requests/${encodeURIComponent(uid)}/allow`, { method: 'POST', body: {} }));
      if (result.waiting) setCode(result.waiting.code);
      else if (result.return_to) {
        setDone('Allowed. Handing the sign-in back to the agent…');
        window.location.assign(result.return_to);
      }
    } catch (err) {
      setError(err instanceof ApiError ? err.message : describeError(err));
    } finally {
      setBusy(false);
    }
  }

  async function deny() {
    setBusy(true);
    try {
      const result = await api<{ return_to: string }>(`/api/agents/requests/${encodeURIComponent(uid)}/deny`, { method: 'POST', body: {} });
      setDone('Denied. The agent was told no.');
      window.location.assign(result.return_to);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const name = ask?.client_name ?? 'An agent';
  return (
    <section className="card">
      <h1>Allow an agent</h1>
      {ask && (
        <>
          <p className="lead" data-testid="agent-ask"><strong>{name}</strong> wants to use <strong>{ask.app}</strong> on this computer</p>
          <dl className="facts">
            <dt>Returns to</dt><dd data-testid="agent-redirect">{ask.redirect_host}</dd>
            <dt>App</dt><dd>{ask.resource}</dd>
            <dt>Client id</dt><dd><code>{ask.client_id}</code></dd>
          </dl>
          <p className="muted small">The name is what the agent calls itself; the address it returns to is the fact. Allow it only if you are adding {name} to your agent right now. It can use {ask.app}, and nothing else, until you revoke it (Latchkey → Devices → Agents).</p>
        </>
      )}
      {code ? (
        <div data-testid="agent-waiting">
          <p>Now type this code on the computer (Latchkey → Devices → Agents, or <code>latchkey clients approve</code>):</p>
          <p className="match-code" data-testid="agent-code">{code}</p>
          <p className="muted small" role="status">Waiting for the computer…</p>
        </div>
      ) : done ? (
        <p className="ok" role="status">{done}</p>
      ) : ask && (
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void allow()}>Allow</button>{' '}
          <button type="button" className="secondary" disabled={busy} onClick={() => void deny()}>Deny</button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
