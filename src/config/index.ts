/**
 * Configuration: one zod schema over the environment, validated once at start and frozen.
 * Every bad setting is reported at once, by name.
 */
import { z } from 'zod';

const bytes = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'a size such as 50mb, 512kb or 1048576')
  .transform((s) => {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(s)!;
    const mult = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
    return Math.floor(Number(m[1]) * mult);
  });

const onOff = z.enum(['on', 'off']);

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Public base URL used in Location headers, links and fullUrls; default http://HOST:PORT/fhir. */
    BASE_URL: z.string().url().optional(),
    /** A PostgreSQL server; when set it is used instead of the embedded store. */
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL').optional(),
    /** PostgreSQL schema to use (tests isolate themselves with it). */
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier').default('public'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Embedded store: `pglite` keeps data under DATA_DIR, `memory` is thrown away on exit. */
    STORE: z.enum(['pglite', 'memory']).default('pglite'),
    DATA_DIR: z.string().min(1).default('./data'),
    /** Load the demo data set into an empty store. Default: on for the embedded store, off with DATABASE_URL. */
    DEMO: onOff.optional(),
    BODY_LIMIT: bytes.default(50 * 1024 * 1024),
    BUNDLE_MAX_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    VALIDATE_ON_WRITE: z.enum(['profile', 'structure', 'off']).default('profile'),
    CLAIM_RULES: z.enum(['report', 'enforce', 'off']).default('report'),
    /** Resources the rule engine keeps gathered across requests (0 = gather afresh every time). */
    RULE_CONTEXT_CACHE: z.coerce.number().int().min(0).default(100_000),
    /** First day of the week for weekly limits (1 = Monday … 7 = Sunday). */
    WEEK_START: z.coerce.number().int().min(1).max(7).default(1),
    /** Extra holidays (YYYY-MM-DD, comma separated) added to the US federal calendar. */
    HOLIDAYS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates as YYYY-MM-DD'))),
    /** Connecticut waiver: procedure codes accepted (the seed names none) and the rate per 15-minute unit. */
    CT_CODES: z
      .string()
      .default('H0038')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[A-Z0-9]{5}$/, 'HCPCS codes such as H0038')).min(1)),
    CT_RATE: z.coerce.number().positive().default(12.33),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    SEARCH_DEFAULT_COUNT: z.coerce.number().int().min(1).max(1000).default(50),
    SEARCH_MAX_COUNT: z.coerce.number().int().min(1).max(10_000).default(1000),
    /** Bulk $export: where NDJSON files are written (a volume every instance shares when several run). */
    EXPORT_DIR: z.string().min(1).default('./data/export'),
    /** Exports accepted but not finished, across all instances; a kick-off beyond it is answered 429. */
    EXPORT_MAX_CONCURRENT: z.coerce.number().int().min(1).max(100).default(2),
    /** Minutes a finished export's files stay downloadable before they are deleted. */
    EXPORT_FILE_TTL_MINUTES: z.coerce.number().int().min(1).default(60),
    /** An NDJSON file is split into another once it reaches this size. */
    EXPORT_FILE_MAX_BYTES: bytes.default(256 * 1024 * 1024),
    /** Rows read from the database per keyset page while exporting. */
    EXPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(50_000).default(1000),
    /** Run the export worker in this process (turn off on instances that should only serve requests). */
    EXPORT_WORKER: onOff.default('on'),
    /**
     * Subscriptions (docs/subscriptions.md): `http` origins a rest-hook endpoint may use, comma separated
     * (e.g. http://127.0.0.1:9000); `https` endpoints are always allowed.
     */
    SUBSCRIPTION_ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((x) => x.trim().replace(/\/$/, '')).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/?#\s]+$/i, 'origins such as http://127.0.0.1:9000 (scheme, host and port only)'))),
    /** Run the notification delivery worker in this process. */
    SUBSCRIPTION_WORKER: onOff.default('on'),
    /** How often the delivery worker looks for due notifications (it also looks right after a matching write on this instance). */
    SUBSCRIPTION_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
    /** First retry delay after a failed delivery; doubles per attempt (with jitter) up to SUBSCRIPTION_RETRY_MAX_MS. */
    SUBSCRIPTION_RETRY_BASE_MS: z.coerce.number().int().min(1).default(1000),
    SUBSCRIPTION_RETRY_MAX_MS: z.coerce.number().int().min(1).default(300_000),
    /** Consecutive failed attempts after which a subscription's status becomes `error` (delivery keeps being retried). */
    SUBSCRIPTION_ERROR_AFTER: z.coerce.number().int().min(1).max(1000).default(5),
    /** Time allowed for the endpoint to answer one notification. */
    SUBSCRIPTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** SMART Backend Services. Default: off on a loopback HOST, on anywhere else (where off is refused). */
    AUTH: onOff.optional(),
    /** JSON list of registered clients (see docs/auth.md); required when AUTH is on. */
    AUTH_CLIENTS_FILE: z.string().min(1).optional(),
    /** Lifetime of access tokens; SMART Backend Services asks for at most five minutes. */
    AUTH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(300).default(300),
    /** `iss` of access tokens; default: the server's origin (BASE_URL without /fhir). */
    AUTH_ISSUER: z.string().url().optional(),
    /** A private JWK (ES384 or RS384, with kid) to sign access tokens, shared by several instances; default: a key generated at start. */
    AUTH_SIGNING_KEY_FILE: z.string().min(1).optional(),
    /** Record an AuditEvent for every FHIR request. */
    AUDIT: onOff.default('on'),
    /**
     * How far the JavaScript heap may grow past what a full garbage collection kept before the next
     * one starts, in percent (200: to three times the live heap). 0 leaves it to V8. See src/runtime.ts.
     */
    HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(1000).default(200),
  })
  .superRefine((c, ctx) => {
    const auth = authEnabledFor(c);
    if (!auth && !isLoopback(c.HOST)) {
      ctx.addIssue({ code: 'custom', path: ['AUTH'], message: `AUTH=off is allowed only on a loopback HOST (127.0.0.1, ::1, localhost), not ${c.HOST}: set AUTH=on and AUTH_CLIENTS_FILE` });
    } else if (auth && !c.AUTH_CLIENTS_FILE) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_CLIENTS_FILE'], message: `AUTH is on${c.AUTH ? '' : ` (HOST ${c.HOST} is not loopback)`} but AUTH_CLIENTS_FILE is not set: register clients in a JSON file (docs/auth.md)` });
    }
  })
  .readonly();

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

function authEnabledFor(c: { AUTH?: 'on' | 'off'; HOST: string }): boolean {
  return (c.AUTH ?? (isLoopback(c.HOST) ? 'off' : 'on')) === 'on';
}

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse settings (default: process.env). Empty strings count as unset. Throws ConfigError naming every bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.unwrap().shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}${i.path.length ? ` (got ${JSON.stringify(input[String(i.path[0])])})` : ''}`),
    );
  }
  return Object.freeze(parsed.data) as Config;
}

export function baseUrlOf(config: Config): string {
  return (config.BASE_URL ?? `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}/fhir`).replace(/\/$/, '');
}

/** Whether requests must carry a SMART access token (AUTH, defaulting by HOST). */
export const authEnabled = (config: Config) => authEnabledFor(config);

/** Whether to load demo data: DEMO, or by default only on the embedded store. */
export const demoEnabled = (config: Config) => (config.DEMO ?? (config.DATABASE_URL ? 'off' : 'on')) === 'on';
