/**
 * Where an app opens on the computer: the local listener's IP origin (http://127.0.0.1:PORT),
 * never Latchkey's own http://localhost:PORT (createAppRegistry's servesOrigin says why).
 */
export function localAppUrl(localListenerUrl: string, path: string): string {
  const url = new URL(localListenerUrl);
  return `http://127.0.0.1:${url.port}${path || '/'}`;
}
