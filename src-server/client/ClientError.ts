/** A refusal from the server, or a server we could not reach; `code` is stable. */
export class ClientError extends Error {
  constructor(readonly code: string, message: string, readonly status = 0, readonly body: Record<string, unknown> = {}) {
    super(message);
  }
}
