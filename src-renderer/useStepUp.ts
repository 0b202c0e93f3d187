import { startAuthentication } from '@simplewebauthn/browser';
import { useCallback, useRef } from 'react';
import { api, ApiError } from './api.ts';
import { useCeremonyOptions } from './useCeremonyOptions.ts';

// The server counts a step-up for 5 minutes; ask again a little before, rather than be refused.
const FRESH_MS = 4.5 * 60_000;

/**
 * Step-up for a phone (routeRules: `stepUp`): removing another device and making or rotating
 * a key need a fresh passkey assertion. The options are fetched before the click, so the
 * passkey prompt is the first thing the click awaits (Safari refuses one after a fetch).
 * The function it returns runs the prompt first when the last step-up is not fresh, then the
 * action; if the server still asks (the step-up lapsed), it prompts once more and retries.
 */
export function useStepUp(enabled: boolean) {
  const { ready, refresh } = useCeremonyOptions('/auth/step-up/options', enabled);
  const at = useRef(0);

  const prove = useCallback(async (options = ready) => {
    const prepared = options ?? await api<{ ceremony_id: string; options: any }>('/auth/step-up/options', { method: 'POST', body: {} });
    try {
      const response = await startAuthentication({ optionsJSON: prepared.options });
      await api('/auth/step-up/verify', { method: 'POST', body: { ceremony_id: prepared.ceremony_id, response } });
      at.current = Date.now();
    } finally {
      void refresh();
    }
  }, [ready, refresh]);

  return useCallback(async <T,>(action: () => Promise<T>): Promise<T> => {
    if (!enabled) return action();
    if (Date.now() - at.current > FRESH_MS) await prove();
    try {
      return await action();
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'step_up_required') throw err;
      await prove(null);
      return action();
    }
  }, [enabled, prove]);
}
