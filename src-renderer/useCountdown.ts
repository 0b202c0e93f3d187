import { useEffect, useMemo, useState } from 'react';

/**
 * Seconds left, ticking once a second, from the seconds the server said were left when it
 * answered: counted on the server's clock, so a phone or computer whose clock is off still
 * shows the right time. A new `key` (the request's id, or its code) starts a new count.
 */
export function useCountdown(secondsLeft: number | undefined, key: string | undefined): number {
  // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new request restarts the count
  const deadline = useMemo(() => Date.now() + (secondsLeft ?? 0) * 1000, [key]);
  const [, tick] = useState(0);
  useEffect(() => {
    const id = window.setInterval(() => tick((n) => n + 1), 1000);
    return () => window.clearInterval(id);
  }, []);
  return Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
}

/** "4:07" */
export const mmss = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
