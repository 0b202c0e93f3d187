import type { ReactNode } from 'react';
import { PAGE_TABLE } from '../src-server/web/pagePaths.ts';
import type { AuthState } from './api.ts';
import { RequireLocal } from './components/Shell.tsx';
import { ActivityPage } from './pages/ActivityPage.tsx';
import { AppsPage } from './pages/AppsPage.tsx';
import { DevicesPage } from './pages/DevicesPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { PendingPage } from './pages/PendingPage.tsx';
import { RemoteAccessPage } from './pages/RemoteAccessPage.tsx';
import { SecurityPage } from './pages/SecurityPage.tsx';
import { SettingsKeysPage } from './pages/SettingsKeysPage.tsx';

type Render = (state: AuthState, reloadState: () => Promise<void>) => ReactNode;

const RENDER: Record<string, Render> = {
  '/': (s) => <HomePage state={s} />,
  '/devices': (s, reload) => <DevicesPage state={s} reloadState={reload} />,
  '/pending': (s) => (s.can_approve ? <PendingPage fromDevice={!s.person_at_computer} /> : <RequireLocal state={s}><PendingPage fromDevice={false} /></RequireLocal>),
  '/apps': (s) => <AppsPage state={s} />,
  '/remote': (s) => <RequireLocal state={s}><RemoteAccessPage /></RequireLocal>,
  '/keys': (s) => <SettingsKeysPage state={s} />,
  '/security': (s, reload) => <SecurityPage state={s} reloadState={reload} />,
  '/activity': (s) => <ActivityPage state={s} />,
};

/** The pages inside the menu, in the shared table's order (which the server also serves from). */
export const SHELL_PAGES = PAGE_TABLE.filter((p) => !p.bare).map((p) => {
  const render = RENDER[p.path];
  if (!render) throw new Error(`no page for ${p.path}`);
  return { path: p.path, render };
});
