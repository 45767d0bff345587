/**
 * The access check the router runs around every interaction (when deps.access is set): role and
 * scopes up front, then the handler runs on a ScopedRepository so tenancy applies to everything it
 * reads, searches and writes — batch and transaction entries included.
 */
import { forbidden, notFound } from '../outcomes';
import type { FhirDeps, FhirRequest, FhirResponse } from '../fhir/types';
import type { Resource } from '../store/repository';
import { ScopedRepository } from './scoped-repository';

export interface GuardTarget {
  /** A registry interaction code, or 'operation'. */
  interaction: string;
  type?: string;
  /** The instance of an instance-level operation. */
  id?: string;
  /** The operation's name (without `$`). */
  operation?: string;
}

/** The resource an operation was given: the body, or the `resource` parameter of a Parameters body. */
function operationResource(body: unknown): Resource | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const r = body as Resource & { parameter?: { name?: string; resource?: unknown }[] };
  if (r.resourceType === 'Parameters') return r.parameter?.find((x) => x.name === 'resource')?.resource as Resource | undefined;
  return typeof r.resourceType === 'string' ? r : undefined;
}

export async function guard(req: FhirRequest, deps: FhirDeps, target: GuardTarget, run: (deps: FhirDeps) => Promise<FhirResponse>): Promise<FhirResponse> {
  const access = deps.access;
  if (!access || target.interaction === 'capabilities') return run(deps);
  const outer = deps.repo instanceof ScopedRepository ? deps.repo : undefined;
  // Entries of a batch or transaction run as the client that sent the Bundle.
  const auth = req.auth ?? outer?.auth;
  const { type } = target;
  switch (target.interaction) {
    case 'transaction':
    case 'batch':
      access.assertAllowed(auth, 'read');
      break;
    case 'read':
    case 'vread':
    case 'history-instance':
      access.assertAllowed(auth, 'read', type);
      if (target.interaction !== 'read' && type === 'Subscription' && auth!.role !== 'admin') throw forbidden('Subscription history is available to admin clients only (subscriptions belong to their clients)');
      break;
    case 'search-type':
      access.assertAllowed(auth, 'search', type);
      break;
    case 'search-system':
      // Per type in the repository (ScopedRepository): the types of _type, or those the client may search.
      access.assertAllowed(auth, 'search');
      break;
    case 'history-type':
    case 'history-system':
      access.assertAllowed(auth, 'read', type);
      if (type === 'Subscription' && auth!.role !== 'admin') throw forbidden('Subscription history is available to admin clients only (subscriptions belong to their clients)');
      // History is not filtered by tenancy: only roles that see everything get it.
      if (!(auth!.role === 'admin' || (auth!.role === 'warehouse' && type && type !== 'AuditEvent'))) {
        throw forbidden(`History across resources is available to warehouse (per type) and admin clients only; a ${auth!.role} client uses search`);
      }
      break;
    case 'create':
      access.assertAllowed(auth, 'create', type);
      break;
    case 'update':
    case 'patch':
      access.assertAllowed(auth, 'update', type);
      break;
    case 'delete':
      access.assertAllowed(auth, 'delete', type);
      break;
    case 'operation':
      // $export is its own permission (warehouse and admin), whatever level it is called at.
      if (target.operation === 'export') access.assertAllowed(auth, 'export');
      else access.assertAllowed(auth, 'operation', type);
      break;
    default:
      access.assertAllowed(auth, 'read', type);
  }
  const repo = outer && outer.auth === auth ? outer : new ScopedRepository(outer?.inner ?? deps.repo, auth!, access);
  const scopedDeps: FhirDeps = repo === deps.repo ? deps : { ...deps, repo };
  // An operation on an instance reports on everything around it (a caseload lists members, a plan's
  // compliance its sessions): an ehr or payer runs it only on what it could write itself.
  if (target.interaction === 'operation' && type && target.id && !(await repo.owns(type, target.id))) {
    throw notFound(`${type}/${target.id} is not known`);
  }
  if (target.interaction === 'operation' && type) {
    const resource = operationResource(req.body);
    if (resource && resource.resourceType === type) await access.assertResource(auth, resource as Resource & Record<string, unknown>, repo);
  }
  return run(scopedDeps);
}
