import type { AppView } from '../src-server/client/createLatchkeyClient.ts';
import { useApi } from './useApi.ts';

/** An app as the server shows it (the same view the API and CLI use). */
export type AppEntry = AppView;

/** The apps this browser can open (all of them on the computer), each with the server's health check. */
export function useApps() {
  const api = useApi<{ apps: AppEntry[] }>('/api/apps');
  return { ...api, apps: api.data?.apps ?? null };
}
