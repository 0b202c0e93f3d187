import type { WindowRoute } from './DesktopUi.ts';

/** The page of the local listener each desktop window shows. */
export function windowUrl(route: WindowRoute, appOrigin: string): string {
  if (route.kind === 'approval') return `${appOrigin}/approve?request=${encodeURIComponent(route.id)}`;
  return `${appOrigin}/settings/${route.page}`;
}
