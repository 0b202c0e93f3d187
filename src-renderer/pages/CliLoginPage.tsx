import { startAuthentication } from '@simplewebauthn/browser';
import { useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api.ts';
import { useCeremonyOptions } from '../useCeremonyOptions.ts';

interface Login {
  id: string;
  flow: 'loopback' | 'device';
  user_code: string;
  client_host: string;
  client_ip: string;
  via_tunnel: boolean;
  origin: string;
  scopes: string[];
  expires_at: string;
  status: string;
}

/**
 * The browser half of `latchkey auth login`. It shows which command line is asking (host,
 * IP, code, access) and mints nothing until the person chooses Allow and uses a trusted
 * passkey: a stranger who opens the page has no passkey to use, and a phished person sees
 * a code and host that are not theirs.
 */
export function CliLoginPage() {
  const params = new URLSearchParams(window.location.search);
  const [login, setLogin] = useState<Login | null>(null);
  const [code, setCode] = useState(params.get('user_code') ?? '');
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { ready, error: optionsError, refresh } = useCeremonyOptions('/auth/cli/approve/options', login?.status === 'pending', { request_id: login?.id });

  const find = useCallback(async (query: string) => {
    setError(null);
    try {
      const { login: found } = await api<{ login: Login }>(`/auth/cli/request?${query}`);
      setLogin(found);
      if (found.status !== 'pending') setOutcome(found.status === 'denied' ? 'This login was denied.' : 'This login was already allowed.');
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  useEffect(() => {
    const id = params.get('request');
    if (id) void find(`id=${encodeURIComponent(id)}`);
    else if (params.get('user_code')) void find(`user_code=${encodeURIComponent(params.get('user_code')!)}`);
    // Runs once, for the URL the page was opened with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  /** Allow and Deny both need the trusted passkey: nobody but its owner can decide this login. */
  async function decide(decision: 'approve' | 'deny') {
    if (!ready || !login) return;
    setBusy(true);
    setError(null);
    try {
      const response = await startAuthentication({ optionsJSON: ready.options });
      const result = await api<{ redirect?: string }>(decision === 'approve' ? '/auth/cli/approve/verify' : '/auth/cli/deny', {
        method: 'POST', body: { request_id: login.id, ceremony_id: ready.ceremony_id, response },
      });
      if (decision === 'deny') setOutcome('Denied. Nothing was signed in.');
      else if (result.redirect) setOutcome('Allowed. Handing the sign-in back to the command line…');
      else setOutcome('Allowed. Go back to your terminal: it is signed in.');
      if (result.redirect) window.location.assign(result.redirect);
    } catch (err) {
      setError(describeError(err));
      void refresh();
    } finally {
      setBusy(false);
    }
  }

  if (!login) {
    return (
      <section className="card">
        <h1>Sign in the command line</h1>
        <form onSubmit={(e) => { e.preventDefault(); void find(`user_code=${encodeURIComponent(code)}`); }}>
          <label htmlFor="user-code">Code shown in your terminal</label>
          <input id="user-code" value={code} maxLength={12} autoComplete="off" autoCapitalize="characters" placeholder="BCDF-GHJK"
            onChange={(e) => setCode(e.target.value)} />
          <button type="submit" disabled={!code.trim()}>Continue</button>
        </form>
        {error && <p className="error" role="alert">{error}</p>}
      </section>
    );
  }

  return (
    <section className="card">
      <h1>Sign in the command line?</h1>
      {login.via_tunnel && (
        <p className="error" role="alert" data-testid="via-tunnel">
          This request came in through the tunnel (from {login.client_ip}), not from this computer. Anyone who can reach
          the tunnel can start one and name it anything. Deny it unless you started <code>latchkey auth login</code> yourself, just now.
        </p>
      )}
      <p>A command line that calls itself <strong data-testid="client-host">{login.client_host}</strong> (a name it chose; IP {login.client_ip}) asks for a token to use Latchkey as you.</p>
      <p>Code: <strong className="user-code" data-testid="user-code">{login.user_code}</strong>. It must be the code in your terminal.</p>
      <p>Access: <span data-testid="scopes">{login.scopes.join(', ')}</span> · this request expires at {new Date(login.expires_at).toLocaleTimeString()}</p>
      {outcome ? <p className="ok" role="status">{outcome}</p> : (
        <>
          <p className="muted">Allow and Deny both ask for your passkey. Only allow this if you started it yourself, just now. Anyone holding the token can act as you until it is revoked.</p>
          <button disabled={!ready || busy} onClick={() => void decide('approve')}>Allow</button>{' '}
          <button className="secondary" disabled={!ready || busy} onClick={() => void decide('deny')}>Deny</button>
        </>
      )}
      {(error ?? optionsError) && <p className="error" role="alert">{error ?? optionsError}</p>}
    </section>
  );
}
