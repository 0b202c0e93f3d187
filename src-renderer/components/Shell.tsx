import { useEffect, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { PAGE_TABLE, pageInfo } from '../../src-server/web/pagePaths.ts';
import type { AuthState } from '../api.ts';
import { usePending } from '../PendingContext.tsx';

/**
 * Every signed-in page: the menu (a sidebar on a wide screen, a Menu button on a phone), the
 * page's title, and the pending count on the Pending entry and in the tab's title.
 */
export function Shell({ state, children }: { state: AuthState; children: ReactNode }) {
  const [location] = useLocation();
  const [open, setOpen] = useState(false);
  const { pending } = usePending();
  const count = state.person_at_computer ? pending.length : 0;
  const title = pageInfo(location)?.title ?? 'Latchkey';
  useEffect(() => {
    document.title = `${count ? `(${count}) ` : ''}Latchkey${location === '/' ? '' : ` · ${title}`}`;
  }, [count, title, location]);
  useEffect(() => setOpen(false), [location]);

  const entries = PAGE_TABLE.filter((p) => p.nav && (!p.localOnly || state.person_at_computer));
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
      </nav>
      <main className="content">
        <h1 className="page-title">{title}</h1>
        {children}
      </main>
    </div>
  );
}

/** A page only the person at the computer may use; elsewhere it says where to go instead. */
export function RequireLocal({ state, children }: { state: AuthState; children: ReactNode }) {
  if (state.person_at_computer) return <>{children}</>;
  return (
    <section className="card">
      <p>This page is only on the computer running Latchkey: open Latchkey there (the tray icon, or http://localhost:8787).</p>
    </section>
  );
}
