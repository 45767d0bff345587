/**
 * The HTTP face of the FHIR core: content negotiation, Prefer, body limits, request ids, logs.
 * Handlers never see Express; they take a FhirRequest and return a FhirResponse.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { OutcomeError, badRequest, issue, notAcceptable, notFound, payloadTooLarge, unsupportedMediaType } from '../outcomes';
import { errorResponse, handle } from '../fhir/router';
import type { AuthContext, FhirDeps, FhirRequest, FhirResponse, HttpMethod, Prefer } from '../fhir/types';
import type { AuditRecorder } from '../audit/recorder';
import { OAuthError, type Auth } from '../auth';
import { errorFields, type Logger } from './logger';
import { bulkExportFor } from '../bulk';
import { bulkMiddleware, mayBeBulkPath } from '../bulk/http';
import { createAppServer } from './listen';
import { isUtf8 } from 'node:buffer';
import { jsonLimitsOf, parseJsonInput, requireValidString, type JsonLimits } from '../validation/json-input';
import { mountApiPage } from './api-page';
import type { Readiness } from '../health';
import { interactionOf, type Metrics } from '../metrics';
import { BlockList, isIPv4 } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { compressionMiddleware, corsMiddleware } from './transport';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const XML = /(^|[\s,+/])xml\b/i;

export function parsePrefer(header: string | undefined): Prefer {
  const prefer: Prefer = {};
  for (const part of (header ?? '').split(/[,;]/)) {
    const [k, v] = part.trim().split('=').map((s) => s?.trim().replace(/^"|"$/g, ''));
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'OperationOutcome')) prefer.return = v;
    else if (k === 'handling' && (v === 'strict' || v === 'lenient')) prefer.handling = v;
    else if (k === 'respond-async') prefer.respondAsync = true;
  }
  return prefer;
}

/** `_format` values naming FHIR JSON (the short form and the two MIME types, parameters aside). */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/** A Binary instance or version: read in its own content type, whatever Accept names. */
const BINARY_READ = /^\/fhir\/Binary\/[A-Za-z0-9\-.]{1,64}(\/_history\/[^/]+)?$/;
/** Where a Binary is written: POST [base]/Binary, PUT [base]/Binary/[id]. */
const BINARY_WRITE = /^\/fhir\/Binary(\/([A-Za-z0-9\-.]{1,64}))?$/;
/** Content types that carry a FHIR resource (JSON), or FHIR XML (415 everywhere). */
const FHIR_CONTENT = new Set(['application/fhir+json', 'application/json', 'application/json-patch+json']);

/**
 * A Binary's own content (api.md: raw Binary): POST /Binary or PUT /Binary/[id] with a media type that
 * is not FHIR's becomes a Binary resource carrying the bytes (base64) and that content type, with
 * `X-Security-Context` as its securityContext. Undefined for every other request.
 */
function rawBinaryBody(req: Request): Record<string, unknown> | undefined {
  const m = BINARY_WRITE.exec(req.path);
  if (!m || !((req.method === 'POST' && !m[2]) || (req.method === 'PUT' && m[2]))) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!type || FHIR_CONTENT.has(type) || type === 'application/fhir+xml') return undefined;
  const raw = Buffer.isBuffer(req.body) ? (req.body as Buffer) : Buffer.alloc(0);
  const context = req.headers['x-security-context'];
  if (context !== undefined && (typeof context !== 'string' || !/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(context))) {
    throw badRequest(`X-Security-Context must be a reference such as Patient/123, not '${String(context)}'`, 'Binary.securityContext');
  }
  return {
    resourceType: 'Binary',
    ...(m[2] ? { id: m[2] } : {}),
    contentType: (req.headers['content-type'] ?? '').trim(),
    ...(context ? { securityContext: { reference: context } } : {}),
    ...(raw.length ? { data: raw.toString('base64') } : {}),
  };
}

/** Accept / _format: JSON flavours, `*\/*`, or nothing are fine; XML alone is 406. `_format` overrides Accept. */
function negotiate(req: Request): void {
  const format = typeof req.query._format === 'string' ? req.query._format : undefined;
  if (format !== undefined) {
    const type = format.split(';')[0].trim().toLowerCase();
    if (XML.test(type) || type === 'xml') throw notAcceptable(`_format=${format}: this server speaks JSON (application/fhir+json) only`);
    if (!JSON_FORMATS.has(type)) throw notAcceptable(`_format=${format} is not supported; use json, application/json or application/fhir+json`);
    return;
  }
  const accept = req.headers.accept;
  if (!accept || ((req.method === 'GET' || req.method === 'HEAD') && BINARY_READ.test(req.path))) return;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  const ok = types.some((t) => t === '*/*' || t === 'application/*' || t.includes('json') || t === 'text/*' || t === 'text/plain' || t === 'text/html');
  if (!ok) throw notAcceptable(`Cannot answer in ${accept}; this server speaks application/fhir+json`);
}

/** `_pretty=true`: the body indented for people to read. */
const prettyAsked = (req: Request) => req.query._pretty === 'true';

const FHIR_BODY_TYPES = new Set(['application/fhir+json', 'application/json']);
const JSON_PATCH = 'application/json-patch+json';
const FORM = 'application/x-www-form-urlencoded';

/**
 * The body by its Content-Type (api.md: an unsupported or missing media type on a write is 415):
 * FHIR JSON everywhere, a JSON Patch only on PATCH, a form only on POST [type]/_search. JSON bodies
 * are checked for UTF-8, parsed and held to the input limits before anything else looks at them.
 */
function parseBody(req: Request, limits: JsonLimits): unknown {
  const raw = req.body as Buffer | undefined;
  if (!raw || !Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  const header = req.headers['content-type'];
  const [typePart, ...params] = (header ?? '').split(';');
  const type = typePart.trim().toLowerCase();
  if (!type) throw unsupportedMediaType(`The request has a body but no Content-Type; send it as application/fhir+json`);
  if (XML.test(type)) throw unsupportedMediaType(`Content-Type ${type}: this server takes JSON (application/fhir+json) only`);
  const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='))?.slice(8).replace(/^"|"$/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw unsupportedMediaType(`charset=${charset} is not supported; send UTF-8`);
  if (type === FORM) {
    if (req.method !== 'POST' || !/\/_search$/.test(req.path)) throw unsupportedMediaType(`${FORM} is accepted only by POST [type]/_search; send a resource as application/fhir+json`);
    if (!isUtf8(raw)) throw badRequest('The form body is not valid UTF-8', undefined, 'invalid');
    return raw.toString('utf8');
  }
  if (type === JSON_PATCH) {
    if (req.method !== 'PATCH') throw unsupportedMediaType(`${JSON_PATCH} is accepted only by PATCH; send a resource as application/fhir+json`);
  } else if (!FHIR_BODY_TYPES.has(type)) {
    throw unsupportedMediaType(`Content-Type '${type}' is not supported; send application/fhir+json`);
  }
  return parseJsonInput(raw, limits);
}

function queryPairs(url: string): [string, string][] {
  const i = url.indexOf('?');
  if (i < 0) return [];
  let pairs: [string, string][];
  try {
    pairs = [...new URLSearchParams(url.slice(i + 1)).entries()];
  } catch {
    throw badRequest('The query string is not well formed');
  }
  // PostgreSQL cannot hold NUL, and no FHIR value holds a control character: refuse them here, once.
  for (const [k, v] of pairs) {
    requireValidString(k, `The query parameter name '${k.slice(0, 64)}'`, k.slice(0, 64));
    requireValidString(v, `The value of query parameter '${k.slice(0, 64)}'`, k.slice(0, 64));
  }
  return pairs;
}

/** Query parameter pairs for the audit record, tolerating a malformed query string. */
function safeQueryPairs(url: string): [string, string][] {
  try {
    return queryPairs(url);
  } catch {
    return [];
  }
}

export interface HttpOptions {
  deps: FhirDeps;
  logger: Logger;
  baseUrl: string;
  bodyLimit: number;
  /** SMART Backend Services (AUTH=on): token endpoint, discovery, bearer tokens on /fhir. */
  auth?: Auth;
  /** Records an AuditEvent per FHIR request, after the response. */
  audit?: AuditRecorder;
  /** /readyz: the database, the migrations and the definitions. */
  readiness: () => Promise<Readiness>;
  /** /metrics (METRICS_ENABLED), and who may read it. */
  metrics?: { metrics: Metrics; token?: string; allow: string[] };
  /** The OpenAPI document served at /fhir/openapi.json (built on first request). */
  openApi: () => object;
}

/** Whether a /metrics request may be answered: from an allowed address, or with the token; open when neither is set (AUTH off only: config refuses it otherwise). */
function metricsGate(token: string | undefined, allow: string[]): (req: Request) => boolean {
  const list = new BlockList();
  for (const entry of allow) {
    const [addr, prefix] = entry.split('/');
    const type = isIPv4(addr) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(prefix), type);
  }
  const expected = token ? Buffer.from(`Bearer ${token}`) : undefined;
  return (req) => {
    if (!token && allow.length === 0) return true;
    const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    if (allow.length && remote && list.check(remote, isIPv4(remote) ? 'ipv4' : 'ipv6')) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return !!expected && given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/** `Type/id` of what a write or a bundle touched, from Location headers and entry responses (never bodies). */
function touchedBy(out: FhirResponse): string[] {
  const keys: string[] = [];
  const add = (location: string | undefined) => {
    const m = location && /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(location);
    if (m) keys.push(`${m[1]}/${m[2]}`);
  };
  add(out.headers.Location);
  const r = out.resource as { resourceType?: string; type?: string; entry?: { response?: { location?: string } }[] } | undefined;
  if (r?.resourceType === 'Bundle' && (r.type === 'transaction-response' || r.type === 'batch-response')) for (const e of r.entry ?? []) add(e.response?.location);
  return keys;
}

export function createHttpApp({ deps, logger, baseUrl, bodyLimit, auth, audit, readiness, metrics, openApi }: HttpOptions) {
  const app = express();
  const limits = jsonLimitsOf(deps.config);
  // app.listen builds its server with createAppServer: requests are born on the app's prototypes.
  app.listen = ((...args: unknown[]) => createAppServer(app).listen(...(args as [number, string, () => void]))) as typeof app.listen;
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const id = (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,128}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID());
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info('request', { requestId: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 });
      if (metrics && /^\/fhir(\/|$)/.test(req.path)) {
        metrics.metrics.observeRequest(interactionOf(req.method, req.path.slice(5), res.locals.bundleType as string | undefined), res.statusCode, ms / 1000);
      }
    });
    next();
  });

  // CORS first: a browser's preflight carries no token. Then compression, around every answer below.
  const corsHandler = corsMiddleware(deps.config.CORS_ORIGINS);
  if (corsHandler) app.use(corsHandler);
  const compress = compressionMiddleware(deps.config.COMPRESSION_THRESHOLD);
  if (compress) app.use(compress);
  // For orchestrators: no authentication, no data. Not under /fhir, so never audited or counted.
  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');
  app.get('/healthz', (_req: Request, res: Response) => {
    noStore(res);
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req: Request, res: Response) => {
    noStore(res);
    const r = await readiness();
    res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not ready', checks: r.checks });
  });
  if (metrics) {
    const allowed = metricsGate(metrics.token, metrics.allow);
    app.get('/metrics', async (req: Request, res: Response) => {
      noStore(res);
      if (!allowed(req)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('metrics: give the METRICS_TOKEN as a bearer token\n');
        return;
      }
      try {
        const out = await metrics.metrics.render();
        res.setHeader('Content-Type', out.contentType);
        res.end(out.body);
      } catch (e) {
        logger.error('metrics failed', { requestId: res.locals.requestId, ...errorFields(e) });
        res.status(500).type('text/plain').send('metrics could not be collected; see the server log\n');
      }
    });
  }

  if (auth) {
    // SMART discovery lives at [FHIR base]/.well-known/smart-configuration (and the root, for tools that look there).
    app.get(['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration'], (_req: Request, res: Response) => {
      res.json(auth.smartConfiguration());
    });
    app.get('/auth/jwks', async (_req: Request, res: Response) => {
      res.json(await auth.tokens.publicJwks());
    });
    app.post('/auth/token', express.raw({ type: () => true, limit: '64kb' }), async (req: Request, res: Response) => {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      try {
        if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
          throw new OAuthError(400, 'invalid_request', 'The token request must be application/x-www-form-urlencoded');
        }
        const form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
        res.json(await auth.tokens.issue(form));
      } catch (e) {
        if (e instanceof OAuthError) {
          logger.info('token refused', { requestId: res.locals.requestId, error: e.error, reason: e.description });
          res.status(e.status).json(e.body());
        } else {
          logger.error('token endpoint failed', { requestId: res.locals.requestId, ...errorFields(e) });
          res.status(500).json({ error: 'server_error', error_description: 'Internal error; see the server log' });
        }
      }
    });
  }

  const send = (req: Request, res: Response, out: FhirResponse) => {
    res.status(out.status);
    for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
    if (out.raw) {
      res.setHeader('Content-Type', out.raw.contentType);
      res.setHeader('Content-Length', out.raw.data.length);
      if (req.method === 'HEAD') res.end();
      else res.end(out.raw.data);
      return;
    }
    if (out.status === 304 || (out.resource === undefined && out.json === undefined)) {
      res.end();
      return;
    }
    res.setHeader('Content-Type', FHIR_JSON);
    const body = prettyAsked(req) ? JSON.stringify(out.resource ?? JSON.parse(out.json!), null, 2) : out.json ?? JSON.stringify(out.resource);
    if (req.method === 'HEAD') res.setHeader('Content-Length', Buffer.byteLength(body)).end();
    else res.end(body);
  };

  const record = (req: Request, res: Response, out: FhirResponse, fhirReq?: FhirRequest) => {
    if (!audit) return;
    const names = (fhirReq?.query ?? safeQueryPairs(req.originalUrl)).map(([k]) => k);
    if (typeof fhirReq?.body === 'string') for (const [k] of new URLSearchParams(fhirReq.body)) names.push(k);
    const body = fhirReq?.body as { resourceType?: string; type?: string } | undefined;
    audit.record({
      clientId: (res.locals.auth as AuthContext | undefined)?.clientId,
      method: req.method,
      path: (req.baseUrl + req.path).replace(/^\/fhir/, '') || '/',
      parameterNames: names,
      status: out.status,
      requestId: res.locals.requestId as string,
      recorded: res.locals.recorded as string,
      address: req.socket.remoteAddress,
      touched: touchedBy(out),
      bundleType: body?.resourceType === 'Bundle' ? body.type : undefined,
    });
  };

  // The OpenAPI document describes the API as /metadata does: public, no data. The page at / renders it.
  let openApiJson: string | undefined;
  app.get('/fhir/openapi.json', (_req: Request, res: Response) => {
    openApiJson ??= JSON.stringify(openApi());
    res.type('application/json').send(openApiJson);
  });
  mountApiPage(app);

  if (auth) {
    // Every /fhir URL but the CapabilityStatement and SMART discovery needs a bearer token. The
    // client is left in res.locals.auth for the FHIR routes and the bulk status/file routes.
    app.use('/fhir', async (req: Request, res: Response, next: NextFunction) => {
      res.locals.recorded = new Date().toISOString();
      if ((req.path === '/metadata' && (req.method === 'GET' || req.method === 'HEAD')) || req.path.startsWith('/.well-known/')) return next();
      try {
        res.locals.auth = await auth.authenticate(req.headers.authorization);
      } catch (e) {
        const out = errorResponse(e);
        send(req, res, out);
        record(req, res, out);
        return;
      }
      next();
    });
  }

  // Bulk export status and files ($export-status, $export-file): JSON manifests and NDJSON, not
  // FHIR resources, so they are served beside the FHIR routes, after authentication. The service is
  // looked up per request: a restarted one (tests) takes over the same jobs.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!mayBeBulkPath(req.path)) return next();
    const bulk = bulkExportFor(deps);
    if (!bulk) return next();
    return bulkMiddleware(bulk, { onError: (e) => logger.error('unhandled error', { requestId: res.locals.requestId, ...errorFields(e) }) })(req, res, next);
  });

  // Reads carry no body: skip the parser on GET and HEAD (the hot path).
  app.use('/fhir', express.raw({ type: (req) => req.method !== 'GET' && req.method !== 'HEAD', limit: bodyLimit }));

  app.all(/^\/fhir(\/.*)?$/, async (req: Request, res: Response) => {
    const requestId = res.locals.requestId as string;
    res.locals.recorded ??= new Date().toISOString();
    let out: FhirResponse;
    let fhirReq: FhirRequest | undefined;
    try {
      negotiate(req);
      fhirReq = {
        method: req.method.toUpperCase() as HttpMethod,
        path: req.path.replace(/^\/fhir/, '') || '/',
        query: queryPairs(req.originalUrl),
        headers: {
          ifMatch: req.headers['if-match'],
          ifNoneMatch: req.headers['if-none-match'],
          ifNoneExist: req.headers['if-none-exist'] as string | undefined,
          accept: req.headers.accept,
          ifModifiedSince: req.headers['if-modified-since'],
          contentType: req.headers['content-type'],
        },
        prefer: parsePrefer(req.get('prefer')),
        body: rawBinaryBody(req) ?? parseBody(req, limits),
        baseUrl,
        requestId,
      };
      const bundle = fhirReq.body as { resourceType?: unknown; type?: unknown } | undefined;
      if (bundle?.resourceType === 'Bundle' && typeof bundle.type === 'string') res.locals.bundleType = bundle.type;
      if (!['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(fhirReq.method)) throw new OutcomeError(405, [issue('error', 'not-supported', `${req.method} is not supported`)]);
      fhirReq.auth = res.locals.auth as AuthContext | undefined;
      out = await handle(fhirReq, deps, (e) => logger.error('unhandled error', { requestId, ...errorFields(e) }));
    } catch (e) {
      out = errorResponse(e, (err) => logger.error('unhandled error', { requestId, ...errorFields(err) }));
    }
    send(req, res, out);
    record(req, res, out, fhirReq);
  });

  app.use((req: Request, res: Response) => {
    send(req, res, errorResponse(notFound(`No endpoint at ${req.path}; the FHIR base is /fhir`)));
  });

  // Body parser failures (too large, bad encoding) and anything else thrown before our handler.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; limit?: number };
    let out: FhirResponse;
    if (e?.type === 'entity.too.large') out = errorResponse(payloadTooLarge(`The body is larger than the ${bodyLimit} bytes this server accepts (BODY_LIMIT)`));
    else if (e?.status && e.status >= 400 && e.status < 500) out = errorResponse(new OutcomeError(e.status, [issue('error', 'invalid', `The request could not be read (${e.type ?? 'bad request'})`)]));
    else out = errorResponse(err, (x) => logger.error('unhandled error', { requestId: res.locals.requestId, ...errorFields(x) }));
    send(req, res, out);
  });

  return app;
}

