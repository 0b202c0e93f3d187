import type { WindowRoute } from './DesktopUi.ts';
import { lk } from '../web/latchkeyPaths.ts';

/** The page of the local listener each desktop window shows. */
export function windowUrl(route: WindowRoute, appOrigin: string): string {
  if (route.kind === 'approval') return `${appOrigin}${lk('/approve')}?request=${encodeURIComponent(route.id)}`;
  return `${appOrigin}${lk(`/${route.page}`)}`;
}
