/**
 * Transport around every answer: compression (br or gzip by Accept-Encoding, Node's zlib through the
 * `compression` middleware) and CORS for the origins in CORS_ORIGINS (none by default).
 */
import compression from 'compression';
import cors from 'cors';
import type { Request, RequestHandler, Response } from 'express';

/** Methods a browser may use on the API. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Request headers a browser may send. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization', 'Content-Type', 'Accept', 'Accept-Encoding', 'Prefer', 'If-Match', 'If-None-Match', 'If-None-Exist', 'If-Modified-Since', 'X-Request-Id', 'X-Security-Context',
];
/** Response headers a browser script may read. */
export const CORS_EXPOSED_HEADERS = ['Location', 'ETag', 'Content-Location', 'X-Progress', 'Last-Modified', 'Retry-After', 'X-Request-Id', 'X-Security-Context'];

/** CORS for the configured origins (`*` = any); undefined when none are configured. */
export function corsMiddleware(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  const any = origins.includes('*');
  const allowed = new Set(origins.map((o) => o.toLowerCase()));
  return cors({
    // Reflect an allowed origin (with Vary: Origin); leave others without CORS headers, so browsers refuse them.
    origin: any ? '*' : (origin, done) => done(null, origin !== undefined && allowed.has(origin.toLowerCase())),
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  }) as RequestHandler;
}

const NDJSON = /ndjson/i;

/** br or gzip (client's preference, br first on a tie) for answers of at least `threshold` bytes; undefined = off. */
export function compressionMiddleware(threshold: number | undefined): RequestHandler | undefined {
  if (threshold === undefined) return undefined;
  return compression({
    threshold,
    filter: (req: Request, res: Response) => {
      const type = String(res.getHeader('Content-Type') ?? '');
      return NDJSON.test(type) || compression.filter(req, res);
    },
  }) as RequestHandler;
}
