import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DISPLAY_TEXT_PATTERN } from '../text/revealHidden.ts';
import { ERROR_PAGE_CSP, errorPage, wantsHtml } from './errorPage.ts';
import { LatchkeyError } from './LatchkeyError.ts';

// Fastify's own client errors, given stable codes and plain messages.
const FASTIFY_CODES: Record<string, [code: string, message: string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['body_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_request', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'The Content-Length header does not match the body.'],
};

/**
 * The one place that decides what a client sees of an error: our coded errors and
 * Fastify's 4xx errors are shown; anything else is logged and shown as a generic 500
 * with no stack and no detail.
 */
export function errorHandler(error: FastifyError | LatchkeyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof LatchkeyError) {
    reply.code(error.statusCode).headers(error.headers);
    // A person's navigation gets a page in words; scripts and the app's own calls keep the JSON.
    if (wantsHtml(request.method, request.headers)) {
      return reply.headers({ 'content-security-policy': ERROR_PAGE_CSP, 'cache-control': 'no-store' }).type('text/html; charset=utf-8').send(errorPage(error));
    }
    return reply.send({ error: error.code, message: error.message, ...error.extra });
  }
  if ('validation' in error && error.validation) {
    const first = error.validation[0];
    const field = first?.instancePath.replace(/^\//, '').replace(/\//g, '.') ||
      String((first?.params as { missingProperty?: string; additionalProperty?: string } | undefined)?.missingProperty ??
        (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty ?? '');
    if (first?.keyword === 'pattern' && (first.params as { pattern?: string }).pattern === DISPLAY_TEXT_PATTERN) {
      return reply.code(400).send({
        error: 'invalid_text', field,
        message: `"${field}" contains control, invisible or text-direction characters; they could hide or reorder what is shown. Remove them.`,
      });
    }
    return reply.code(400).send({ error: 'invalid_request', ...(field ? { field } : {}), message: `Invalid request: ${error.message}` });
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 400).send({ error: known[0], message: known[1] });
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    if (/JSON/i.test(error.message) && error.statusCode === 400) {
      return reply.code(400).send({ error: 'malformed_json', message: 'The body is not valid JSON.' });
    }
    return reply.code(error.statusCode).send({ error: 'bad_request', message: error.message });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: 'internal_error', message: 'Something went wrong on the server; the details are in its log.' });
}
