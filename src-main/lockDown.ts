import { app, shell, type Session } from 'electron';
import { checkNavigation } from '../src-server/desktop/checkNavigation.ts';

// Clipboard writes back the Copy buttons (API key secrets); every other permission is refused.
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

/**
 * The Electron security checklist in one place: app windows stay on the app's own local
 * origin, new windows and other links go to the system browser (https only) or nowhere,
 * <webview> is refused, and permissions are denied by default.
 */
export function lockDown(appSession: Session, appOrigin: string) {
  appSession.setPermissionRequestHandler((_contents, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  appSession.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      const verdict = checkNavigation(url, appOrigin);
      if (verdict === 'allow') return;
      event.preventDefault();
      if (verdict === 'external') void shell.openExternal(url);
    });
    contents.on('will-redirect', (event, url) => {
      if (checkNavigation(url, appOrigin) !== 'allow') event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      if (checkNavigation(url, appOrigin) === 'external') void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
