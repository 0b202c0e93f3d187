import type { AppEntry } from '../useApps.ts';

/** Links to the apps behind the gate, each marked up or not running. The launcher on a phone, the first thing at home on the computer. */
export function AppList({ apps, onRemove }: { apps: AppEntry[]; onRemove?: (app: AppEntry) => void }) {
  return (
    <ul className="apps" aria-label="Apps">
      {apps.map((app) => (
        <li key={app.name}>
          <a className="app-link" href={app.url ?? app.path}>{app.name}</a>{' '}
          <span className={app.health === 'up' ? 'ok small' : 'error small'} data-testid={`health-${app.name}`}>
            {app.health === 'up' ? 'up' : 'not running'}
          </span>
          <span className="muted small"> · {app.path} → {app.upstream}{app.origins ? ` · only on ${app.origins.join(', ')}` : ''}</span>
          {onRemove && app.source !== 'flag' && <> <button className="secondary" onClick={() => onRemove(app)}>Remove</button></>}
          {app.source === 'flag' && <span className="muted small"> · from --upstream</span>}
        </li>
      ))}
    </ul>
  );
}
