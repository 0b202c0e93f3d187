import { browserSupportsWebAuthn } from '@simplewebauthn/browser';
import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { LATCHKEY_PREFIX, lk } from '../src-server/web/latchkeyPaths.ts';
import { api, nextPath, type AuthState } from './api.ts';
import { ApprovalsPage } from './pages/ApprovalsPage.tsx';
import { AppsPage } from './pages/AppsPage.tsx';
import { ActivityPage } from './pages/ActivityPage.tsx';
import { ApprovalWindowPage } from './pages/ApprovalWindowPage.tsx';
import { CliLoginPage } from './pages/CliLoginPage.tsx';
import { EmailLinkPage } from './pages/EmailLinkPage.tsx';
import { HandoffPage } from './pages/HandoffPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { PairPage } from './pages/PairPage.tsx';
import { RemoteAccessPage } from './pages/RemoteAccessPage.tsx';
import { SettingsKeysPage } from './pages/SettingsKeysPage.tsx';
import { SettingsPrivacyPage } from './pages/SettingsPrivacyPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { TrustedDevicesPage } from './pages/TrustedDevicesPage.tsx';
import './styles.css';

/** Picks the page from the URL and the gate's view of this browser. */
function App() {
  const [state, setState] = useState<AuthState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => api<AuthState>('/auth/state').then(setState, (e) => setError(e.message)), []);
  useEffect(() => void load(), [load]);

  const go = useCallback((page: string) => {
    window.history.replaceState(null, '', lk(page));
    void load();
  }, [load]);

  if (error) return <p className="error card">{error}</p>;
  if (!state) return <p className="muted card">Loading…</p>;
  // The page, below Latchkey's prefix: /.latchkey/settings/keys → /settings/keys.
  const path = window.location.pathname.slice(LATCHKEY_PREFIX.length) || '/';
  const signedIn = () => {
    // Back to what the browser asked for before the gate sent it here (an app page, a handoff), if anything.
    const next = nextPath();
    if (next) window.location.assign(next);
    else go(path === '/pair' || path === '/signin' || path === '/fallback/email' ? '/' : path);
  };
  // The CLI login page needs no session: allowing is itself a passkey ceremony.
  if (path === '/cli-login') return <CliLoginPage />;

  // An emailed sign-in link: it confirms before using the link, so a mail scanner's fetch burns nothing.
  if (path === '/fallback/email') return <EmailLinkPage onSignedIn={signedIn} />;

  if (!state.authenticated) {
    if (state.handoff_url && path !== '/pair') return <HandoffPage url={state.handoff_url} />;
    // An origin with no passkeys and no fallbacks goes straight to Pair; otherwise Sign in comes first.
    const signInFirst = state.has_passkeys || state.fallbacks.methods.length > 0 || !browserSupportsWebAuthn();
    if (path === '/pair' || !signInFirst) return <PairPage state={state} onSignedIn={signedIn} />;
    return <SignInPage state={state} onSignedIn={signedIn} />;
  }
  if (path === '/pair') return <PairPage state={state} onSignedIn={signedIn} />;
  // In without a passkey (loopback bypass) but asked to sign in, e.g. to hand off to another origin: a passkey is needed.
  if (path === '/signin' && !state.device) return <SignInPage state={state} onSignedIn={signedIn} />;
  if (path === '/settings/privacy') return <SettingsPrivacyPage state={state} />;
  if (path === '/settings/keys') return <SettingsKeysPage />;
  if (path === '/settings/apps') return <AppsPage state={state} />;
  if (path === '/settings/activity') return <ActivityPage state={state} />;
  if (path === '/settings/security') return <TrustedDevicesPage state={state} />;
  if (path === '/settings/remote' && state.person_at_computer) return <RemoteAccessPage />;
  if (path === '/approvals' && state.person_at_computer) return <ApprovalsPage />;
  if (path === '/approve' && state.person_at_computer) return <ApprovalWindowPage />;
  return <HomePage state={state} />;
}

createRoot(document.getElementById('root')!).render(<App />);
