import { browserSupportsWebAuthn } from '@simplewebauthn/browser';
import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { LATCHKEY_PREFIX } from '../src-server/web/latchkeyPaths.ts';
import { api, nextPath, type AuthState } from './api.ts';
import type { AppEntry } from './useApps.ts';
import { Shell } from './components/Shell.tsx';
import { PendingProvider } from './PendingContext.tsx';
import { ApprovalWindowPage } from './pages/ApprovalWindowPage.tsx';
import { CliLoginPage } from './pages/CliLoginPage.tsx';
import { AgentAllowPage } from './pages/AgentAllowPage.tsx';
import { EmailLinkPage } from './pages/EmailLinkPage.tsx';
import { HandoffPage } from './pages/HandoffPage.tsx';
import { PairPage } from './pages/PairPage.tsx';
import { RemovedPage } from './pages/RemovedPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { GuestHome, SharePage } from './pages/SharePage.tsx';
import { SHELL_PAGES } from './routes.tsx';
import './styles.css';

/** Picks the page from the URL and the gate's view of this browser. */
function App() {
  const [state, setState] = useState<AuthState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [path, navigate] = useLocation();
  const load = useCallback(() => api<AuthState>('/auth/state').then(setState, (e) => setError(e.message)), []);
  useEffect(() => void load(), [load]);

  const signedIn = useCallback(async () => {
    // Back to what the browser asked for before the gate sent it here (an app page, a handoff), if anything.
    const next = nextPath();
    if (next) return window.location.assign(next);
    const fromSignIn = path === '/pair' || path === '/signin' || path === '/fallback/email';
    if (fromSignIn) {
      // Nothing asked for: with one app behind the gate, straight into it; with several, Home is their launcher.
      const apps = await api<{ apps: AppEntry[] }>('/api/apps').then((r) => r.apps, () => []);
      if (apps.length === 1) return window.location.assign(apps[0]!.url ?? apps[0]!.path);
    }
    // The page's own query stays (the agent request's uid on /agents/allow).
    navigate(fromSignIn ? '/' : `${path}${window.location.search}`, { replace: true });
    void load();
  }, [navigate, path, load]);

  if (error) return <p className="error card" role="alert">{error}</p>;
  if (!state) return <p className="muted card">Loading…</p>;
  // The CLI login page needs no session: allowing is itself a passkey ceremony.
  if (path === '/cli-login') return <CliLoginPage />;
  // An emailed sign-in link: it confirms before using the link, so a mail scanner's fetch burns nothing.
  if (path === '/fallback/email') return <EmailLinkPage onSignedIn={signedIn} />;

  // A guest sees its one app and Sign out, whatever it asks for.
  if (state.guest) return <GuestHome state={state} onSignedOut={() => void load()} />;
  // A guest's invitation link.
  if (path === '/share') return <SharePage state={state} onSignedIn={signedIn} />;
  if (!state.authenticated) {
    if (state.handoff_url && path !== '/pair') return <HandoffPage url={state.handoff_url} />;
    // A guest sent to sign in after its share ended is told so there too (it has nothing else to sign in with).
    const endedShare = state.ended?.reason === 'share_ended' && path === '/signin' && !window.location.search.includes('again=1');
    if (state.ended && ((path !== '/pair' && path !== '/signin') || endedShare)) return <RemovedPage state={state} />;
    // An origin with no passkeys and no fallbacks goes straight to Pair; otherwise Sign in comes first.
    const signInFirst = state.has_passkeys || state.fallbacks.methods.length > 0 || !browserSupportsWebAuthn();
    if (path === '/pair' || !signInFirst) return <PairPage state={state} onSignedIn={signedIn} />;
    return <SignInPage state={state} onSignedIn={signedIn} />;
  }
  if (path === '/pair') return <PairPage state={state} onSignedIn={signedIn} />;
  // The MCP authorization flow's consent, for a signed-in owner: no menu, one question.
  if (path === '/agents/allow') return <AgentAllowPage state={state} />;
  // In without a passkey (loopback bypass) but asked to sign in, e.g. to hand off to another origin: a passkey is needed.
  if (path === '/signin' && !state.device) return <SignInPage state={state} onSignedIn={signedIn} />;
  // The desktop app's approval window: one request, no menu.
  if (path === '/approve' && state.person_at_computer) return <ApprovalWindowPage />;
  return (
    <PendingProvider enabled={state.can_approve}>
      <Shell state={state}>
        <Switch>
          {SHELL_PAGES.map(({ path: p, render }) => <Route key={p} path={p}>{() => render(state, load)}</Route>)}
          {/* Any other page path (e.g. /signin while signed in): Home. */}
          <Route><Redirect to="/" replace /></Route>
        </Switch>
      </Shell>
    </PendingProvider>
  );
}

createRoot(document.getElementById('root')!).render(<Router base={LATCHKEY_PREFIX}><App /></Router>);
