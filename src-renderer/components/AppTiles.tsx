import { useState } from 'react';
import type { AppEntry } from '../useApps.ts';

/**
 * The launcher: one tile per app, tappable whole, with the app's own icon (its favicon, when it
 * serves one) or its initial, its name and whether it is up. No upstream address: that is the
 * computer's business (Apps shows it there).
 */
export function AppTiles({ apps }: { apps: AppEntry[] }) {
  return (
    <ul className="app-tiles" aria-label="Apps">
      {apps.map((app) => (
        <li key={app.name}>
          <a className="app-tile" href={app.url ?? app.path}>
            <AppIcon app={app} />
            <span className="app-tile-name">{app.name}</span>
            <span className={app.health === 'up' ? 'ok small' : 'error small'} data-testid={`health-${app.name}`}>{app.health === 'up' ? 'up' : 'not running'}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

function AppIcon({ app }: { app: AppEntry }) {
  const [failed, setFailed] = useState(false);
  // Same origin as this page when the app is served here; the page's CSP allows only that, so elsewhere the letter is used.
  const favicon = app.url && new URL(app.url, window.location.href).origin === window.location.origin ? `${app.path.replace(/\/$/, '')}/favicon.ico` : null;
  if (favicon && !failed && app.health === 'up') return <img className="app-icon" src={favicon} alt="" width={40} height={40} onError={() => setFailed(true)} />;
  return <span className="app-icon app-letter" aria-hidden="true">{app.name.slice(0, 1).toUpperCase()}</span>;
}
