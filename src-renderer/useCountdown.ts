import { useEffect, useState } from 'react';

/**
 * Seconds left, ticking once a second, from the seconds the server said were left when it
 * answered: counted on the server's clock, so a phone or computer whose clock is off still
 * shows the right time. A new `key` (the request's id, or its expiry) starts a new count.
 */
export function useCountdown(secondsLeft: number | undefined, key: string | undefined): number {
  const [deadline, setDeadline] = useState(() => Date.now() + (secondsLeft ?? 0) * 1000);
  const left = () => Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  const [seconds, setSeconds] = useState(secondsLeft ?? 0);
  useEffect(() => {
    setDeadline(Date.now() + (secondsLeft ?? 0) * 1000);
    setSeconds(secondsLeft ?? 0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  useEffect(() => {
    setSeconds(left());
    const id = window.setInterval(() => setSeconds(left()), 1000);
    return () => window.clearInterval(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [deadline]);
  return seconds;
}

/** "4:07" */
export const mmss = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
