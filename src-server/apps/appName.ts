// Apart from parseApp (which needs node:net) so the Apps page can offer the same rule.
export const APP_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** "My Vite" → "my-vite": the name a refused one was probably meant as, or null when nothing usable is left. */
export function suggestAppName(raw: string): string | null {
  const name = raw.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').slice(0, 32);
  return APP_NAME.test(name) ? name : null;
}
