/**
 * The status and file URLs of bulk export on Express. They sit outside the FHIR routes because
 * their answers are not FHIR resources: the manifest is application/json and the files are
 * streamed as application/fhir+ndjson. Errors are still OperationOutcomes.
 */
import type { NextFunction, Request, Response } from 'express';
import { createReadStream } from 'node:fs';
import { methodNotAllowed } from '../outcomes';
import { errorResponse } from '../fhir/router';
import type { AuthContext } from '../fhir/types';
import { NDJSON_CONTENT_TYPE, type BulkAnswer, type BulkExport } from './index';
import type { JobKind } from './jobs';

export interface BulkHttpOptions {
  /** Who is calling; default: `res.locals.auth`, else `req.auth` (set by the auth middleware). */
  authOf?: (req: Request, res: Response) => AuthContext | undefined | Promise<AuthContext | undefined>;
  /** Logs unexpected errors (500s). */
  onError?: (e: unknown, req: Request, res: Response) => void;
}

const STATUS = /^\/fhir\/\$(export|import)-status\/([^/]+)$/;
const FILE = /^\/fhir\/\$(export|import)-file\/([^/]+)\/([^/]+)$/;

const defaultAuthOf = (req: Request, res: Response): AuthContext | undefined =>
  (res.locals.auth as AuthContext | undefined) ?? (req as Request & { auth?: AuthContext }).auth;

/**
 * The JSON flavour of an OperationOutcome answer: application/fhir+json, unless the client asked for
 * application/json and not for the FHIR type (Bulk Data clients poll with Accept: application/json).
 */
export function outcomeContentType(accept: string | undefined): string {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  return types.includes('application/json') && !types.includes('application/fhir+json') ? 'application/json' : 'application/fhir+json';
}

function sendAnswer(res: Response, a: BulkAnswer, accept?: string): void {
  res.status(a.status);
  for (const [k, v] of Object.entries(a.headers)) res.setHeader(k, v);
  if (a.body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', `${a.plainJson ? 'application/json' : outcomeContentType(accept)}; charset=utf-8`);
  res.end(JSON.stringify(a.body));
}

/** The common starts of the status and file URLs. */
const BULK_PREFIXES = ['/fhir/$export-', '/fhir/$import-'];

/**
 * Whether a request path (before percent-decoding) may be an export status or file URL: without a
 * `%` it must begin as they do; with one, the middleware decodes it and decides. A cheap test that
 * lets every other request pass the bulk routes without building them.
 */
export const mayBeBulkPath = (path: string) => BULK_PREFIXES.some((p) => path.startsWith(p)) || path.includes('%');

/** Express middleware for GET/DELETE `/fhir/$export-status/:id` (and `$import-status`) and GET `/fhir/$export-file/:id/:file` (and `$import-file`); passes anything else on. */
export function bulkMiddleware(bulk: BulkExport, options: BulkHttpOptions = {}) {
  const authOf = options.authOf ?? defaultAuthOf;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let path: string;
    try {
      path = decodeURI(req.path);
    } catch {
      return next();
    }
    const status = STATUS.exec(path);
    const file = status ? undefined : FILE.exec(path);
    if (!status && !file) return next();
    try {
      const auth = await authOf(req, res);
      if (status) {
        const kind = status[1] as JobKind;
        if (req.method === 'GET' || req.method === 'HEAD') return sendAnswer(res, await bulk.status(status[2], auth, kind), req.headers.accept);
        if (req.method === 'DELETE') return sendAnswer(res, await bulk.cancel(status[2], auth, kind), req.headers.accept);
        res.setHeader('Allow', 'GET, DELETE');
        throw methodNotAllowed(`${req.method} is not supported on an ${kind} status URL`);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET');
        throw methodNotAllowed(`${req.method} is not supported on an ${file![1]} file`);
      }
      const found = await bulk.file(file![2], file![3], auth, file![1] as JobKind);
      res.status(200);
      res.setHeader('Content-Type', NDJSON_CONTENT_TYPE);
      res.setHeader('Content-Length', String(found.size));
      if (req.method === 'HEAD') return void res.end();
      await new Promise<void>((resolve) => {
        const stream = createReadStream(found.path);
        stream.on('error', (e) => {
          options.onError?.(e, req, res);
          res.destroy(e);
          resolve();
        });
        stream.on('end', resolve);
        stream.pipe(res);
      });
    } catch (e) {
      const out = errorResponse(e, (err) => options.onError?.(err, req, res));
      sendAnswer(res, { status: out.status, headers: out.headers, body: out.resource }, req.headers.accept);
    }
  };
}
