import { Type, type Static } from '@sinclair/typebox';

/**
 * The schema of `config.json` in the home folder. Unknown keys are refused so a typo
 * ("require_aut") cannot silently fall back to a default.
 */
export const configSchema = Type.Object(
  {
    require_auth: Type.Boolean({ default: true }),
    loopback_auth_bypass: Type.Boolean({ default: true }),
    grace: Type.Union([Type.Literal('pair-only'), Type.Literal('open')], { default: 'pair-only' }),
    public_origins: Type.Array(Type.String(), { default: [] }),
    rp_id: Type.Optional(Type.String({ minLength: 1 })),
    trusted_proxies: Type.Array(Type.String(), { default: ['loopback'] }),
    auth_origin: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof configSchema>;
