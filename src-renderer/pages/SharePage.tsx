import { useEffect, useState } from 'react';
import { api, exactly, type AuthState } from '../api.ts';
import { PairPage } from './PairPage.tsx';

/** What an invitation link shares, as the server reads it (POST /auth/share/inspect). */
export interface Invitation {
  token: string;
  app: string;
  name: string;
  from: string;
  expires_at: string;
  url: string;
}

/**
 * A guest's invitation (the link `latchkey share` prints): "Alice shares vite with you, until
 * 15:30", then the Pair screen, whose approval happens on Alice's computer. The secret is in the
 * URL's fragment, which no request carries: reading it never uses the link; pairing does.
 */
export function SharePage({ state, onSignedIn }: { state: AuthState; onSignedIn: () => void }) {
  const [invite, setInvite] = useState<Invitation | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const token = window.location.hash.slice(1);
    if (!token) {
      setError('This invitation link is incomplete: open it exactly as it was sent.');
      return;
    }
    api<Omit<Invitation, 'token'>>('/auth/share/inspect', { method: 'POST', body: { token } })
      .then((info) => setInvite({ ...info, token }), (e) => setError(e.message));
  }, []);
  if (error) {
    return (
      <section className="card">
        <h1>Invitation</h1>
        <p className="error" role="alert" data-testid="invite-error">{error}</p>
      </section>
    );
  }
  if (!invite) return <p className="muted card">Loading…</p>;
  return <PairPage state={state} invite={invite} onSignedIn={() => (invite.url ? window.location.assign(invite.url) : onSignedIn())} />;
}

/** The line a guest reads first: who shares what, until when. */
export function InviteLine({ invite }: { invite: Pick<Invitation, 'from' | 'app' | 'expires_at'> }) {
  return <p data-testid="invite-line">{invite.from} shares <strong>{invite.app}</strong> with you, until {exactly(invite.expires_at)}.</p>;
}

/** A signed-in guest's whole Latchkey: its one app, and Sign out. */
export function GuestHome({ state, onSignedOut }: { state: AuthState; onSignedOut: () => void }) {
  const guest = state.guest!;
  return (
    <section className="card">
      <h1>{guest.app}</h1>
      <InviteLine invite={guest} />
      {guest.url && <p><a className="button" href={guest.url}>Open {guest.app}</a></p>}
      <button className="secondary" onClick={() => void api('/auth/logout', { method: 'POST' }).then(onSignedOut)}>Sign out</button>
    </section>
  );
}
