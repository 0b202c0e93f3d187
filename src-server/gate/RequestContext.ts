import type { TrustedPasskey } from '../store/openPasskeyStore.ts';
import type { Listener } from './resolveOrigin.ts';

export type Via = 'loopback' | 'session' | 'open' | 'grace';

/** What the gate learned about a request, before any route runs. */
export interface RequestContext {
  listener: Listener;
  /** The allowlisted origin this request is for (never read from the request alone). */
  origin: string;
  /** Null where ceremonies are impossible (the local UI reached by IP). */
  rpId: string | null;
  ip: string;
  via: Via | null;
  device: TrustedPasskey | null;
  /** Why a presented session was refused, for a precise 401. */
  sessionProblem: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    lk: RequestContext;
  }
}
