/**
 * Configuration: one zod schema over the environment, validated once at start and frozen.
 * Every bad setting is reported at once, by name.
 */
import { isIP } from 'node:net';
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
    /** Refresh planner statistics (ANALYZE) in the background after bulk writes, as autovacuum would (src/store/auto-analyze.ts). */
    AUTO_ANALYZE: onOff.default('on'),
    /** Embedded store: `pglite` keeps data under DATA_DIR, `memory` is thrown away on exit. */
    STORE: z.enum(['pglite', 'memory']).default('pglite'),
    DATA_DIR: z.string().min(1).default('./data'),
    /** Load the demo data set into an empty store. Default: on for the embedded store, off with DATABASE_URL. */
    DEMO: onOff.optional(),
    BODY_LIMIT: bytes.default(50 * 1024 * 1024),
    BUNDLE_MAX_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    /**
     * Limits on a JSON body, checked as it is parsed, before any validation (src/validation/json-input.ts):
     * nesting levels of objects and arrays (400), items in one array, characters in one string and
     * values in the whole document (413). MAX_ARRAY_LENGTH stays above BUNDLE_MAX_ENTRIES by default.
     */
    MAX_JSON_DEPTH: z.coerce.number().int().min(8).max(10_000).default(100),
    MAX_ARRAY_LENGTH: z.coerce.number().int().min(1).max(100_000_000).default(20_000),
    MAX_STRING_LENGTH: z.coerce.number().int().min(64).max(1_000_000_000).default(1024 * 1024),
    MAX_JSON_NODES: z.coerce.number().int().min(100).max(1_000_000_000).default(1_000_000),
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
    /**
     * Bulk $export: where NDJSON files are written (a volume every instance of one database shares when
     * several run). Unset: DATA_DIR/export, so that servers given data folders of their own never share
     * (and so never sweep) each other's export files.
     */
    EXPORT_DIR: z.string().min(1).optional(),
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
    /** Bulk $import: the folder `file:` input URLs must lie under (unset: no file inputs). */
    IMPORT_DIR: z.string().min(1).optional(),
    /** Bulk $import: origins (scheme://host[:port], comma separated) http(s) input URLs may come from; no other host is fetched. */
    IMPORT_ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().refine((o) => {
        try {
          const u = new URL(o);
          return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.replace(/\/$/, '');
        } catch {
          return false;
        }
      }, 'origins such as https://files.example.org (scheme, host and port only)').transform((o) => o.replace(/\/$/, '')))),
    /** Bulk $import: resources validated and stored per database transaction (the resume point after a restart). */
    IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
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
    /**
     * A client assertion presented again (same jti) within its lifetime: `refuse` it (RFC 7523 replay
     * protection), or `allow` it, as the SMART Bulk Data test kit needs (it sends one assertion for
     * several token requests). Assertions are short-lived (exp ≤ 5 min) and bound to this token URL.
     */
    AUTH_ASSERTION_REPLAY: z.enum(['refuse', 'allow']).default('allow'),
    /** Serve Prometheus metrics at /metrics. */
    METRICS_ENABLED: onOff.default('off'),
    /** A bearer token /metrics asks for (required, or METRICS_ALLOW, when AUTH is on). */
    METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    /** Addresses or CIDR ranges (comma separated) that may read /metrics without the token. */
    METRICS_ALLOW: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().refine(isAddressOrRange, 'IP addresses or CIDR ranges such as 10.0.0.0/8'))),
    /** Record an AuditEvent for every FHIR request. */
    AUDIT: onOff.default('on'),
    /**
     * Browser origins allowed to call the API (CORS), comma separated (`https://app.example.org`), or
     * `*` for any origin. Unset: no CORS headers at all, so browsers on other origins are refused.
     */
    CORS_ORIGINS: z
      .string()
      .optional()
      .transform((s) => (s ?? '').split(',').map((x) => x.trim().replace(/\/$/, '')).filter(Boolean))
      .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s,*]+)$/, 'origins such as https://app.example.org (scheme, host and port, no path), or *'))),
    /** Compress answers (br or gzip, as Accept-Encoding asks) at or above this size; `off` never compresses. */
    COMPRESSION_THRESHOLD: z
      .union([z.literal('off'), bytes])
      .default(1024)
      .transform((v) => (v === 'off' ? undefined : v)),
  })
  .superRefine((c, ctx) => {
    if (c.BUNDLE_MAX_ENTRIES > c.MAX_ARRAY_LENGTH) {
      ctx.addIssue({ code: 'custom', path: ['MAX_ARRAY_LENGTH'], message: `MAX_ARRAY_LENGTH (${c.MAX_ARRAY_LENGTH}) is below BUNDLE_MAX_ENTRIES (${c.BUNDLE_MAX_ENTRIES}): Bundle.entry is an array too; raise MAX_ARRAY_LENGTH or lower BUNDLE_MAX_ENTRIES` });
    }
    const auth = authEnabledFor(c);
    if (!auth && !isLoopback(c.HOST)) {
      ctx.addIssue({ code: 'custom', path: ['AUTH'], message: `AUTH=off is allowed only on a loopback HOST (127.0.0.1, ::1, localhost), not ${c.HOST}: set AUTH=on and AUTH_CLIENTS_FILE` });
    } else if (auth && !c.AUTH_CLIENTS_FILE) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_CLIENTS_FILE'], message: `AUTH is on${c.AUTH ? '' : ` (HOST ${c.HOST} is not loopback)`} but AUTH_CLIENTS_FILE is not set: register clients in a JSON file (docs/auth.md)` });
    }
    if (auth && c.METRICS_ENABLED === 'on' && !c.METRICS_TOKEN && c.METRICS_ALLOW.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_TOKEN'], message: "METRICS_ENABLED is on and AUTH is on: set METRICS_TOKEN (the scraper's bearer token) or METRICS_ALLOW (the scraper's addresses)" });
    }
  })
  .readonly();

/** An IPv4 or IPv6 address, optionally with a /prefix within its family's length. */
export function isAddressOrRange(s: string): boolean {
  const [addr, prefix, ...rest] = s.split('/');
  const family = isIP(addr);
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

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
