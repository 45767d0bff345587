/**
 * GET /metadata: the CapabilityStatement generated from the route and operation registry, the
 * search parameter definitions, and the template in capability/. Built once, on first request.
 */
import { projectPath } from '../paths';
import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { readFileSync } from 'node:fs';
import { declaredName, operationsFor, registeredRoutes, registeredSubscriptionChannels, type InteractionCode } from './registry';
import { RESOURCE_TYPES } from './resource-types';
import { search as searchModule } from './search';
import type { SearchParamDef } from './search/types';
import type { FhirDeps, Handler } from './types';

const TYPE_LEVEL: InteractionCode[] = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
const READ_ONLY: InteractionCode[] = ['read', 'vread', 'history-instance', 'history-type', 'search-type'];
let cached: { key: string; json: string } | undefined;

export function servedInteractions(): Set<InteractionCode> {
  return new Set(registeredRoutes().flatMap((r) => (Array.isArray(r.interaction) ? r.interaction : [r.interaction])));
}

export function buildCapabilityStatement(deps: Pick<FhirDeps, 'readOnlyTypes' | 'access' | 'config'>, baseUrl: string): CapabilityStatement {
  const template = JSON.parse(readFileSync(projectPath('capability', 'capability-statement.json'), 'utf8')) as CapabilityStatement;
  const served = servedInteractions();
  const resources = RESOURCE_TYPES.map((type): CapabilityStatementRestResource => {
    const rtype = type as CapabilityStatementRestResource['type'];
    const allowed = (deps.readOnlyTypes.has(type) ? READ_ONLY : TYPE_LEVEL).filter((c) => served.has(c));
    const writable = !deps.readOnlyTypes.has(type);
    return {
      type: rtype,
      profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
      interaction: allowed.map((code) => ({ code: code as Exclude<InteractionCode, 'transaction' | 'batch' | 'history-system' | 'search-system' | 'capabilities'> })),
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: writable,
      conditionalCreate: writable,
      conditionalRead: 'not-supported',
      conditionalUpdate: writable,
      conditionalDelete: writable ? 'single' : 'not-supported',
      referencePolicy: ['literal', 'logical', 'local'],
      searchInclude: ['*'],
      searchRevInclude: ['*'],
      searchParam: [
        { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
        { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
        ...searchModule
          .searchParamsOf(type)
          .filter((p: SearchParamDef) => p.type !== 'composite' && p.type !== 'special' && p.code !== '_id' && p.code !== '_lastUpdated')
          .map((p: SearchParamDef) => ({ name: p.code, type: p.type, definition: p.url })),
      ],
      operation: [...operationsFor('type', type), ...operationsFor('instance', type)]
        .filter((o, i, all) => all.findIndex((x) => declaredName(x) === declaredName(o)) === i && !(o.writes && !writable))
        .map((o) => ({ name: declaredName(o), definition: o.definition })),
    };
  }).map((r) => (r.operation!.length ? r : { ...r, operation: undefined }))
    .map((r) => (r.type === 'Subscription' && registeredSubscriptionChannels().length ? { ...r, documentation: subscriptionDocumentation() } : r));
  const rest = template.rest![0];
  // With SMART Backend Services on, say so where clients look for it (SMART App Launch 2.2.0).
  const cors = deps.config.CORS_ORIGINS.length > 0;
  const security = deps.access
    ? {
      cors,
      service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
      extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: `${baseUrl.replace(/\/fhir$/, '')}/auth/token` }] }],
      description: 'SMART Backend Services: client_credentials with private_key_jwt (RS384, ES384); discovery at /fhir/.well-known/smart-configuration.',
    }
    : { ...rest.security, cors };
  return {
    ...template,
    date: new Date().toISOString(),
    implementation: { ...template.implementation!, url: baseUrl },
    rest: [{
      ...rest,
      security,
      resource: resources,
      interaction: (['transaction', 'batch', 'search-system', 'history-system'] as const).filter((c) => served.has(c)).map((code) => ({ code })),
      operation: operationsFor('system').map((o) => ({ name: declaredName(o), definition: o.definition })),
    }],
  };
}

/** What Subscriptions deliver (docs/subscriptions.md), from the channels registered. */
function subscriptionDocumentation(): string {
  const lines = registeredSubscriptionChannels().map((c) => `- channel \`${c.type}\` (payload: none${c.payloads.map((p) => `, \`${p}\``).join('')}): ${c.description}`);
  return ['R4 Subscriptions: `criteria` is any search this server supports, evaluated on every create and update of its type; '
    + 'status is set by the server (`requested` until the handshake succeeds, then `active`; `error` with `error` text after repeated '
    + 'delivery failures, still retried; `off` stops it). http endpoints only on origins in SUBSCRIPTION_ALLOWED_ORIGINS, https always.', ...lines].join('\n');
}

export const capabilities: Handler = async ({ req, deps }) => {
  const key = `${req.baseUrl}|${[...deps.readOnlyTypes].join(',')}|${deps.access ? 'smart' : 'open'}|${deps.config.CORS_ORIGINS.join(',')}`;
  if (!cached || cached.key !== key) cached = { key, json: JSON.stringify(buildCapabilityStatement(deps, req.baseUrl)) };
  return { status: 200, headers: {}, json: cached.json };
};
