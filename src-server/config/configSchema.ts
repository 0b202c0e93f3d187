import { Type, type Static } from '@sinclair/typebox';

/** One app behind the gate, as config.json and `POST /.latchkey/api/apps` spell it (rules: apps/parseApp.ts). */
export const appSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 32 }),
  upstream: Type.String({ minLength: 1, maxLength: 2048 }),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  origins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 50 })),
  public_paths: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100 })),
  /** Paths where a WebSocket (any Upgrade) may open without sign-in; public_paths never opens one. */
  public_upgrades: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100 })),
  host_header: Type.Optional(Type.Union([Type.Literal('upstream'), Type.Literal('public')])),
  /** false: never shared with a guest (latchkey share refuses it, and existing guests are refused). */
  shareable: Type.Optional(Type.Boolean()),
  /** An MCP server: true, or options (apps/parseApp.ts parseMcp). */
  mcp: Type.Optional(Type.Union([Type.Boolean(), Type.Object({
    deny_tools: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 129 }), { maxItems: 200 })),
    max_body: Type.Optional(Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024 })),
  }, { additionalProperties: false })])),
}, { additionalProperties: false });

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
    /** A public origin kept for Latchkey's admin pages and API, where no app is served (access/adminOrigins.ts). */
    admin_origin: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Whether a passkey device may approve pending devices from the admin origin (typing the
     * code and confirming with its passkey each time). Off unless the owner turns it on.
     */
    approve_from_devices: Type.Boolean({ default: false }),
    /**
     * Whether an agent (MCP client) the owner allowed from a passkey device must also be approved
     * on the computer, by typing the code the phone shows: "from_phone" (the default) or "never".
     * Allowed on the computer itself, it needs nothing more.
     */
    approve_new_agents: Type.Union([Type.Literal('from_phone'), Type.Literal('never')], { default: 'from_phone' }),
    /** Local web apps behind the gate (see apps/parseApp.ts for the rules). */
    apps: Type.Array(appSchema, { default: [], maxItems: 100 }),
    /** The mail server for sign-in links (fallbacks): `smtp://` or `smtps://`, credentials in the URL if needed. */
    smtp: Type.Optional(Type.Object({
      url: Type.String({ minLength: 1, maxLength: 2048 }),
      from: Type.String({ minLength: 3, maxLength: 320 }),
    }, { additionalProperties: false })),
    /** Spike alerts and the webhook that hears about them (alerts/alertsFromConfig.ts has the defaults). */
    alerts: Type.Optional(Type.Object({
      webhook: Type.Optional(Type.Object({
        url: Type.String({ minLength: 1, maxLength: 2048 }),
        secret: Type.String({ minLength: 10, maxLength: 512 }),
        /** Event types switched off or on; every type is on unless set to false here. */
        events: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
      }, { additionalProperties: false })),
      failures_per_client: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      failures_total: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      window: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    }, { additionalProperties: false })),
    /** audit.jsonl rotation: size of the live file before it rotates, and rotated files kept. */
    audit: Type.Optional(Type.Object({
      max_file_size: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
      keep_files: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    }, { additionalProperties: false })),
    /** Rate limits and timeouts; each has a default (app/Services.ts DEFAULT_LIMITS). */
    limits: Type.Optional(Type.Object({
      requests_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      unauthenticated_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      ceremonies_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      pairings_per_10_minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      requests_in_flight_per_client: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      request_timeout: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
      app_timeout: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
      fallback_failures_per_client: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      fallback_failures_total: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof configSchema>;
