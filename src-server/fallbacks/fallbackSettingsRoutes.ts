import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { EMAIL } from '../config/loadConfig.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { DISPLAY_TEXT_PATTERN } from '../text/revealHidden.ts';
import { FALLBACK_METHODS, type FallbackMethod } from './fallbackMethods.ts';

const methodParams = Type.Object({ method: Type.String({ minLength: 1, maxLength: 32 }) });
const passwordBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024, pattern: DISPLAY_TEXT_PATTERN }) }, { additionalProperties: false });
const codeBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16, pattern: '^\\s*\\d{6}\\s*$' }) }, { additionalProperties: false });
const emailBody = Type.Object({ address: Type.String({ minLength: 3, maxLength: 254 }) }, { additionalProperties: false });

/** Settings → Security → Sign-in fallbacks, and `latchkey fallback …`; under the /api guard. */
export function fallbackSettingsRoutes(api: FastifyInstance, s: Services) {
  const audit = (request: FastifyRequest, action: string, fallback: FallbackMethod) =>
    s.audit.record({ outcome: 'info', method: 'fallback-settings', action, fallback, by: request.lk.via, ip: request.lk.ip });

  api.get('/api/fallbacks', async () => s.fallbacks.status());

  api.post('/api/fallbacks/backup-codes', async (request) => {
    const codes = await s.fallbacks.generateBackupCodes();
    audit(request, 'backup_codes_generated', 'backup-code');
    return { codes, message: 'Keep these somewhere safe. Each works once; they are not shown again, and any older set no longer works.' };
  });

  api.post('/api/fallbacks/totp', async (request) => {
    const enrolment = await s.fallbacks.startTotp();
    audit(request, 'totp_enrolment_started', 'totp');
    return enrolment;
  });

  api.post('/api/fallbacks/totp/confirm', { schema: { body: codeBody } }, async (request) => {
    await s.fallbacks.confirmTotp((request.body as { code: string }).code.trim());
    audit(request, 'enabled', 'totp');
    return s.fallbacks.status().totp;
  });

  api.put('/api/fallbacks/password', { schema: { body: passwordBody } }, async (request) => {
    await s.fallbacks.setPassword((request.body as { password: string }).password);
    audit(request, 'password_set', 'password');
    return s.fallbacks.status().password;
  });

  api.put('/api/fallbacks/email', { schema: { body: emailBody } }, async (request) => {
    const address = (request.body as { address: string }).address.trim();
    if (!EMAIL.test(address)) throw new LatchkeyError('invalid_email', 'That is not an email address (name@example.com).', 400, { field: 'address' });
    await s.fallbacks.setEmail(address);
    audit(request, 'enabled', 'email');
    return s.fallbacks.status().email;
  });

  api.delete('/api/fallbacks/:method', { schema: { params: methodParams } }, async (request) => {
    const method = (request.params as { method: string }).method as FallbackMethod;
    if (!FALLBACK_METHODS.includes(method)) {
      throw new LatchkeyError('unknown_method', `There is no sign-in fallback called "${method.replace(/[^\w-]/g, '?')}": use ${FALLBACK_METHODS.join(', ')}.`, 400);
    }
    await s.fallbacks.disable(method);
    audit(request, 'disabled', method);
    return { disabled: method };
  });
}
