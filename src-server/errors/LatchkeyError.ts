/**
 * Every error a client may see carries a stable `code` (callers branch on it, never on the
 * message) and an HTTP status below 500. Anything else that escapes is a bug and is shown
 * to the client as a generic `internal_error` by the single error handler.
 *
 * @example
 *   throw new LatchkeyError('too_many_pending', 'Five devices are already waiting for approval.', 429);
 */
export class LatchkeyError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly extra: Record<string, unknown>;
  /** Response headers the error implies, e.g. WWW-Authenticate on a refused bearer token (RFC 6750 §3). */
  readonly headers: Record<string, string>;

  constructor(code: string, message: string, statusCode = 400, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'LatchkeyError';
    this.code = code;
    this.statusCode = statusCode;
    this.extra = extra;
    this.headers = headers;
  }
}

/** Raised at start-up when config.json (or a flag) holds a value we refuse; names the key. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Raised at start-up when the home folder cannot be used (lock held, corrupt file, permissions). */
export class StartupError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'StartupError';
    this.code = code;
  }
}
