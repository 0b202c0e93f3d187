/** Whether an app is served on the computer's local listener (no `origins`, or `"localhost"` among them). */
export const servesComputer = (app: { origins: readonly string[] | null }) => app.origins === null || app.origins.includes('localhost');

/**
 * Where an app opens on the computer: the local listener's IP origin (http://127.0.0.1:PORT),
 * never Latchkey's own http://localhost:PORT (createAppRegistry's servesOrigin says why); null
 * for an app that is not served on the computer.
 */
export function localAppUrl(localListenerUrl: string, app: { path: string; origins: readonly string[] | null }): string | null {
  if (!servesComputer(app)) return null;
  const url = new URL(localListenerUrl);
  return `http://127.0.0.1:${url.port}${app.path || '/'}`;
}
