import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TrustedDevice } from '../store/openPasskeyStore.ts';
import type { Principal } from '../access/Principal.ts';
import type { AuditEvent } from '../audit/createAuditLog.ts';
import type { RouteRule } from '../access/routeRules.ts';
import type { StoredToken, TokenProblem } from '../tokens/createTokenService.ts';
import type { Listener } from './resolveOrigin.ts';
import type { AgentGrant } from '../agents/createOAuthServer.ts';

export type Via = 'loopback' | 'session' | 'token' | 'desktop' | 'open' | 'grace' | 'agent';

/** What the gate learned about a request, before any route runs. */
export interface RequestContext {
  listener: Listener;
  /** The allowlisted origin this request is for (never read from the request alone). */
  origin: string;
  /** Null where ceremonies are impossible (the local UI reached by IP). */
  rpId: string | null;
  ip: string;
  via: Via | null;
  /** Who is asking (access/Principal), decided once from `via` and `device`. */
  principal: Principal;
  /**
   * Whether an app is served on this origin and listener. There, Latchkey keeps only what a
   * visitor needs (sign in, pair, sign out, the launcher): the app's scripts share the origin.
   */
  servesApps: boolean;
  device: TrustedDevice | null;
  /** Set when the request was authenticated by a bearer token. */
  token: StoredToken | null;
  /** Set when an agent's OAuth token opened an MCP app (agents/): the client, and the app it is bound to. */
  agent?: AgentGrant | null;
  /** Why a presented session was refused, for a precise 401. */
  sessionProblem: string | null;
  /** The device a refused but genuine session named (removed, or its share ended), so this very response can say why. */
  endedDevice?: string;
  /** Refused credentials not yet audited: set by a caller that decides its limit before anything is written (the app proxy). */
  deferred: AuditEvent[] | null;
  /** Why a presented bearer token was refused; a refused token never falls back to another way in. */
  tokenProblem: TokenProblem | 'malformed_authorization' | 'agent_token' | null;
}

/**
 * What the gate reads of a request. A Fastify request is one, and so is the app proxy's raw
 * request with its cookies parsed: both paths run the very same gate functions.
 */
export interface GateRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  socket: Socket;
  cookies: Record<string, string | undefined>;
  raw: IncomingMessage;
  lk: RequestContext;
}

/** Where the gate writes response headers (a refreshed session cookie, an expiry Warning). */
export interface GateReply {
  header(name: string, value: string): unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    lk: RequestContext;
  }
  interface FastifyContextConfig {
    /** This route's row of the access table, put here by attachAccessRule (never written by a route). */
    access?: RouteRule;
  }
}
