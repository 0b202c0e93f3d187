import type { ServerResponse } from 'node:http';
import { LatchkeyError } from '../errors/LatchkeyError.ts';

export type InFlightLimit = ReturnType<typeof createInFlightLimit>;

/**
 * Caps the requests one client (its address as the gate sees it, so also behind a tunnel)
 * may have open at once on the remote listener, across Latchkey's routes and the apps. A
 * slow-body flood then costs a stranger their own few slots, not everyone's: the excess is
 * refused at once. The count drops when the response ends or the connection dies.
 */
export function createInFlightLimit(max: number) {
  const open = new Map<string, number>();
  return {
    /** Counts the request in, or returns the 429 to answer with (its connection is to be closed). */
    admit(ip: string, res: ServerResponse): LatchkeyError | null {
      const n = open.get(ip) ?? 0;
      if (n >= max) return new LatchkeyError('too_many_requests_in_flight', `This client already has ${max} requests open here; wait for them to finish.`, 429);
      open.set(ip, n + 1);
      res.once('close', () => {
        const left = (open.get(ip) ?? 1) - 1;
        if (left <= 0) open.delete(ip);
        else open.set(ip, left);
      });
      return null;
    },
  };
}
