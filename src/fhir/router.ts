/**
 * Dispatch a FhirRequest through the registry. Every failure becomes an OperationOutcome with its
 * status; an unexpected error is a generic 500 whose details stay in the log.
 */
import { auditRoute } from '../audit/search';
import { guard } from '../auth/guard';
import { OutcomeError, badRequest, issue, methodNotAllowed, notFound, operationOutcome } from '../outcomes';
import { operationsFor, registeredRoutes, type OperationDef } from './registry';
import { isResourceType } from './resource-types';
import type { FhirDeps, FhirRequest, FhirResponse } from './types';
import './routes';
import './operations';

export interface RouteMatch {
  handler: (deps: FhirDeps) => Promise<FhirResponse>;
}

function matchPattern(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const s = segments[i];
    if (p.startsWith(':')) {
      if (s.startsWith('$') || (p !== ':vid' && s.startsWith('_'))) return undefined;
      params[p.slice(1)] = s;
    } else if (p !== s) return undefined;
  }
  return params;
}

function findOperation(req: FhirRequest, segments: string[], readOnlyTypes: ReadonlySet<string>): { op: OperationDef; params: Record<string, string> } | undefined {
  const last = segments[segments.length - 1];
  if (!last?.startsWith('$')) return undefined;
  const name = last.slice(1);
  const level = segments.length === 1 ? 'system' : segments.length === 2 ? 'type' : segments.length === 3 ? 'instance' : undefined;
  if (!level) return undefined;
  const type = segments[0];
  if (level !== 'system' && !isResourceType(type)) throw notFound(`Resource type '${type}' is not supported`);
  const op = operationsFor(level, level === 'system' ? undefined : type).find((o) => o.name === name);
  if (!op || (op.writes && readOnlyTypes.has(type))) throw notFound(`Operation $${name} is not supported ${level === 'system' ? 'at the system level' : `on ${type}${level === 'instance' ? ' instances' : ''}`}`);
  if (!op.methods.includes(req.method === 'HEAD' ? 'GET' : req.method)) throw methodNotAllowed(`$${name} does not accept ${req.method}`);
  return { op, params: { ...(level !== 'system' ? { type } : {}), ...(level === 'instance' ? { id: segments[1] } : {}), operation: name } };
}

export async function dispatch(req: FhirRequest, deps: FhirDeps): Promise<FhirResponse> {
  const segments = req.path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw badRequest(`The path segment '${s.slice(0, 64)}' is not well-formed percent-encoded UTF-8`);
    }
  });
  // AuditEvents live in their own table (src/audit), read-only through the API.
  const audit = auditRoute(req.method, segments);
  if (audit) return guard(req, deps, { interaction: audit.interaction, type: 'AuditEvent' }, (d) => audit.handler({ req, deps: d, params: audit.params }));
  const opMatch = findOperation(req, segments, deps.readOnlyTypes);
  // Access control (src/auth) wraps every interaction when deps.access is set.
  if (opMatch) return guard(req, deps, { interaction: 'operation', type: opMatch.params.type, id: opMatch.params.id, operation: opMatch.op.name }, (d) => opMatch.op.handler({ req, deps: d, params: opMatch.params }));
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const hasQuery = req.query.some(([k]) => !['_format', '_pretty'].includes(k));
  let pathMatched = false;
  for (const route of registeredRoutes()) {
    const params = matchPattern(route.pattern, segments);
    if (!params) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    if (route.conditional !== undefined && route.conditional !== hasQuery) continue;
    const interaction = Array.isArray(route.interaction) ? route.interaction[0] : route.interaction;
    return guard(req, deps, { interaction, type: params.type }, (d) => route.handler({ req, deps: d, params }));
  }
  if (pathMatched) throw methodNotAllowed(`${req.method} is not supported on ${req.path}`);
  if (segments[0] && !isResourceType(segments[0]) && !segments[0].startsWith('_') && segments[0] !== 'metadata') {
    throw notFound(`Resource type '${segments[0]}' is not supported`);
  }
  throw notFound(`No FHIR endpoint at ${req.path}`);
}

/** Dispatch and render failures as OperationOutcomes (used by HTTP and by batch entries). */
export async function handle(req: FhirRequest, deps: FhirDeps, onError?: (e: unknown) => void): Promise<FhirResponse> {
  try {
    return await dispatch(req, deps);
  } catch (e) {
    return errorResponse(e, onError);
  }
}

export function errorResponse(e: unknown, onError?: (e: unknown) => void): FhirResponse {
  if (e instanceof OutcomeError) return { status: e.status, headers: { ...e.headers }, resource: e.outcome };
  onError?.(e);
  return { status: 500, headers: {}, resource: operationOutcome([issue('fatal', 'exception', 'Internal server error; the request id in the X-Request-Id header identifies it in the server log')]) };
}
