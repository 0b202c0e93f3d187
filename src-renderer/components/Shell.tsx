import { useEffect, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { PAGE_TABLE, pageInfo } from '../../src-server/web/pagePaths.ts';
import { managesHere, type AuthState } from '../api.ts';
import { usePending } from '../PendingContext.tsx';

/**
 * Every signed-in page: the menu (a sidebar on a wide screen, a Menu button on a phone), the
 * page's title, and the pending count on the Pending entry and in the tab's title.
 */
export function Shell({ state, children }: { state: AuthState; children: ReactNode }) {
  const [location] = useLocation();
  const [open, setOpen] = useState(false);
  const { pending } = usePending();
  const count = state.can_approve ? pending.length : 0;
  const title = pageInfo(location)?.title ?? 'Latchkey';
  useEffect(() => {
    document.title = `${count ? `(${count}) ` : ''}Latchkey${location === '/' ? '' : ` · ${title}`}`;
  }, [count, title, location]);
  useEffect(() => setOpen(false), [location]);

  // Where an app runs, or for a browser let in by a fallback, Latchkey keeps only Home (the launcher).
  const adminHere = managesHere(state);
  // Pending is also a phone's when the owner lets passkey devices approve (Security).
  const entries = PAGE_TABLE.filter((p) => p.nav && (!p.localOnly || state.person_at_computer || (p.path === '/pending' && state.can_approve)) && (adminHere || p.path === '/'));
  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/" className="brand">Latchkey</Link>
        <button type="button" className="menu-button secondary" aria-expanded={open} aria-controls="menu" onClick={() => setOpen(!open)}>
          Menu{count ? <span className="badge" aria-label={`${count} pending`}>{count}</span> : null}
        </button>
      </header>
      <nav id="menu" className={open ? 'menu open' : 'menu'} aria-label="Latchkey">
        <ul>
          {entries.map((p) => (
            <li key={p.path}>
              <Link href={p.path} aria-current={location === p.path ? 'page' : undefined}>
                {p.title}
                {p.path === '/pending' && count > 0 && <span className="badge" aria-label={`${count} waiting`}>{count}</span>}
              </Link>
            </li>
          ))}
        </ul>
        {!adminHere && <ManageElsewhere state={state} />}
      </nav>
      <main className="content">
        <h1 className="page-title">{title}</h1>
        {children}
      </main>
    </div>
  );
}

/** One line: where this browser manages Latchkey, when it cannot here. */
export function ManageElsewhere({ state }: { state: AuthState }) {
  if (state.principal === 'fallback_browser') {
    return <p className="small muted manage-elsewhere" data-testid="manage-elsewhere">Signed in without a passkey: you can use the apps and sign out. Settings need a passkey device or the computer.</p>;
  }
  const at = state.admin.manage_at;
  return (
    <p className="small muted manage-elsewhere" data-testid="manage-elsewhere">
      Settings are not shown here, where an app runs. {at ? <>Manage Latchkey at <a href={at}>{new URL(at).host}</a>.</> : <>Manage Latchkey on the computer running it.</>}
    </p>
  );
}

/** A page only the person at the computer may use; elsewhere it says where to go instead. */
export function RequireLocal({ state, children }: { state: AuthState; children: ReactNode }) {
  if (state.person_at_computer) return <>{children}</>;
  return (
    <section className="card">
      <p>This page is only on the computer running Latchkey: open Latchkey there (the tray icon, or the <code>local:</code> address <code>latchkey serve</code> printed{state.local_url ? <>, {state.local_url}</> : null}).</p>
    </section>
  );
}
