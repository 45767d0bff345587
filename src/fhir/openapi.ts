/**
 * GET /fhir/openapi.json: an OpenAPI 3.1 document generated from the CapabilityStatement (types,
 * interactions, search parameters, operations) and the OperationDefinitions the server carries
 * (parameters, documentation, what each returns); never written by hand, so it cannot drift from
 * what the server serves. The PRSS operations (OperationDefinitions of our own canonical base) come
 * first under their own tag; every other path is tagged by resource type.
 */
import type { CapabilityStatement, CapabilityStatementRestResource, OperationDefinition, OperationDefinitionParameter } from 'fhir/r4';
import { declaredName, registeredOperations } from './registry';

type Json = Record<string, unknown>;

export const PRSS_TAG = 'PRSS operations';
const OUR_CANONICAL = 'http://prss.example.org/fhir/';
const FHIR_JSON = 'application/fhir+json';
const SPEC = 'https://hl7.org/fhir/R4';

export interface OpenApiOptions {
  /** Request examples by operation path (e.g. `/Claim/$validate`): resources the server holds, such as the demo claim. */
  examples?: Record<string, { summary: string; value: unknown }>;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const fhirContent = (schema: unknown, extra: Json = {}) => ({ content: { [FHIR_JSON]: { schema, ...extra } } });
const outcome = (description: string) => ({ description, ...fhirContent(ref('OperationOutcome')) });
const ERRORS = {
  '400': outcome('The request is not well formed: an OperationOutcome says why'),
  '401': outcome('No valid access token (when SMART Backend Services authentication is on)'),
  '403': outcome('The token does not allow this'),
  '404': outcome('Not found'),
  '422': outcome('The content breaks a rule: an OperationOutcome with one issue per finding'),
};
const ID = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' } };
const VID = { name: 'vid', in: 'path', required: true, schema: { type: 'string' } };

/** OpenAPI schema of a FHIR primitive or datatype, for a query parameter or an operation parameter. */
function primitiveSchema(fhirType: string | undefined): Json {
  switch (fhirType) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt':
      return { type: 'integer' };
    case 'decimal':
      return { type: 'number' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'dateTime':
    case 'instant':
      return { type: 'string', format: 'date-time' };
    default:
      return { type: 'string' };
  }
}

const isPrimitive = (t: string | undefined) => !!t && /^[a-z]/.test(t);

function paramsTable(params: OperationDefinitionParameter[], use: 'in' | 'out'): string {
  const rows = params.filter((p) => p.use === use);
  if (!rows.length) return '';
  return [
    `\n\n**${use === 'in' ? 'In' : 'Out'} parameters**\n`,
    '| name | cardinality | type | documentation |',
    '|---|---|---|---|',
    ...rows.map((p) => `| \`${p.name}\` | ${p.min}..${p.max} | ${p.type ?? (p.part ? 'parts' : '')} | ${(p.documentation ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`),
  ].join('\n');
}

/** One operation at one level: the OpenAPI path items for the methods the server serves. */
function operationPaths(
  name: string,
  canonical: string,
  level: 'system' | 'type' | 'instance',
  type: string | undefined,
  def: OperationDefinition | undefined,
  options: OpenApiOptions,
): [string, Json][] {
  // The CapabilityStatement may declare an operation under another name (patient-export for $export).
  const served = registeredOperations().find((o) => (o.name === name || declaredName(o) === name) && o.definition === canonical && o[level] && (level === 'system' || o.resourceTypes === '*' || o.resourceTypes.includes(type!)));
  if (!served) return [];
  name = served.name;
  const path = `${type ? `/${type}` : ''}${level === 'instance' ? '/{id}' : ''}/$${name}`;
  const ours = canonical.startsWith(OUR_CANONICAL);
  const inParams = def?.parameter?.filter((p) => p.use === 'in') ?? [];
  const out = def?.parameter?.filter((p) => p.use === 'out') ?? [];
  const returns = out.length === 1 && out[0].name === 'return' && out[0].type && !isPrimitive(out[0].type) ? out[0].type : 'Parameters';
  const description = `${def?.description ?? `See the operation's definition: ${canonical}`}${def ? paramsTable(def.parameter ?? [], 'in') + paramsTable(def.parameter ?? [], 'out') : ''}\n\nDefinition: \`${canonical}\``;
  // Bulk export asks for Prefer: respond-async on every kick-off.
  const headers = name === 'export' ? [{ name: 'Prefer', in: 'header', required: true, schema: { type: 'string', const: 'respond-async' } }] : [];
  const base = {
    tags: [ours ? PRSS_TAG : type ?? 'System'],
    summary: def?.title ?? `$${name}`,
    description,
    parameters: [...(level === 'instance' ? [ID] : []), ...headers],
    responses: {
      '200': { description: `The result (${returns})`, ...fhirContent(ref(returns in SCHEMAS ? returns : 'Resource')) },
      ...(name === 'export' ? { '202': { description: 'Accepted: poll the Content-Location for the result', headers: { 'Content-Location': { schema: { type: 'string', format: 'uri' } } } } } : {}),
      ...ERRORS,
    },
  };
  const id = `${type ?? 'system'}-${name}-${level}`;
  const item: Json = {};
  if (served.methods.includes('GET') && inParams.every((p) => isPrimitive(p.type))) {
    const query = inParams.map((p) => ({ name: p.name, in: 'query', required: p.min > 0, description: p.documentation, schema: primitiveSchema(p.type) }));
    item.get = { ...base, operationId: `${id}-get`, parameters: [...base.parameters, ...query] };
  }
  if (served.methods.includes('POST')) {
    const takesResource = inParams.some((p) => p.name === 'resource' && p.type === 'Resource');
    const example = options.examples?.[path];
    item.post = {
      ...base,
      operationId: `${id}-post`,
      requestBody: {
        required: level !== 'instance' && inParams.some((p) => p.min > 0 || p.name === 'resource'),
        description: takesResource ? 'The resource itself, or a Parameters resource carrying it as `resource` and the other in parameters' : 'A Parameters resource with the in parameters',
        ...fhirContent(takesResource ? { oneOf: [ref(type && type in SCHEMAS ? type : 'Resource'), ref('Parameters')] } : ref('Parameters'), example ? { examples: { [example.summary]: { summary: example.summary, value: example.value } } } : {}),
      },
    };
  }
  return Object.keys(item).length ? [[path, item]] : [];
}

const SCHEMAS: Record<string, Json> = {
  Resource: {
    type: 'object',
    description: `Any FHIR R4 resource (${SPEC}/resourcelist.html); the server validates it against the base specification and its profiles.`,
    required: ['resourceType'],
    properties: { resourceType: { type: 'string' }, id: { type: 'string' }, meta: { type: 'object' } },
    additionalProperties: true,
  },
  OperationOutcome: {
    type: 'object',
    description: `${SPEC}/operationoutcome.html`,
    required: ['resourceType', 'issue'],
    properties: {
      resourceType: { const: 'OperationOutcome' },
      issue: {
        type: 'array',
        items: {
          type: 'object',
          required: ['severity', 'code'],
          properties: {
            severity: { enum: ['fatal', 'error', 'warning', 'information'] },
            code: { type: 'string' },
            details: { type: 'object' },
            diagnostics: { type: 'string' },
            expression: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
  Bundle: {
    type: 'object',
    description: `${SPEC}/bundle.html`,
    required: ['resourceType', 'type'],
    properties: { resourceType: { const: 'Bundle' }, type: { type: 'string' }, total: { type: 'integer' }, link: { type: 'array', items: { type: 'object' } }, entry: { type: 'array', items: { type: 'object' } } },
    additionalProperties: true,
  },
  Parameters: {
    type: 'object',
    description: `${SPEC}/parameters.html`,
    required: ['resourceType'],
    properties: { resourceType: { const: 'Parameters' }, parameter: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
    additionalProperties: true,
  },
  Claim: { allOf: [ref('Resource')], description: `${SPEC}/claim.html`, properties: { resourceType: { const: 'Claim' } } },
  ClaimResponse: { allOf: [ref('Resource')], description: `${SPEC}/claimresponse.html`, properties: { resourceType: { const: 'ClaimResponse' } } },
  CapabilityStatement: { allOf: [ref('Resource')], description: `${SPEC}/capabilitystatement.html`, properties: { resourceType: { const: 'CapabilityStatement' } } },
};

function typePaths(r: CapabilityStatementRestResource): [string, Json][] {
  const type = r.type;
  const codes = new Set((r.interaction ?? []).map((i) => i.code));
  const tags = [type];
  const one = (summary: string, status: string, schema: string, extra: Json = {}) => ({ tags, summary, ...extra, responses: { [status]: { description: summary, ...fhirContent(ref(schema)) }, ...ERRORS } });
  const body = (schema: string) => ({ requestBody: { required: true, ...fhirContent(ref(schema)) } });
  const search = (r.searchParam ?? []).map((p) => ({ name: p.name, in: 'query', required: false, description: `${p.type} search parameter${p.definition ? ` (${p.definition})` : ''}`, schema: { type: 'string' } }));
  const paging = [
    { name: '_count', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
    { name: '_sort', in: 'query', required: false, schema: { type: 'string' } },
    { name: '_include', in: 'query', required: false, schema: { type: 'string' } },
    { name: '_revinclude', in: 'query', required: false, schema: { type: 'string' } },
    { name: '_summary', in: 'query', required: false, schema: { type: 'string' } },
    { name: '_elements', in: 'query', required: false, schema: { type: 'string' } },
  ];
  const paths: [string, Json][] = [];
  const list: Json = {};
  if (codes.has('search-type')) list.get = one(`Search ${type}`, '200', 'Bundle', { operationId: `${type}-search`, parameters: [...search, ...paging] });
  if (codes.has('create')) list.post = one(`Create a ${type}`, '201', 'Resource', { operationId: `${type}-create`, parameters: r.conditionalCreate ? [{ name: 'If-None-Exist', in: 'header', required: false, schema: { type: 'string' } }] : [], ...body(type in SCHEMAS ? type : 'Resource') });
  if (Object.keys(list).length) paths.push([`/${type}`, list]);
  const instance: Json = {};
  const ifMatch = { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } };
  if (codes.has('read')) instance.get = one(`Read a ${type}`, '200', type in SCHEMAS ? type : 'Resource', { operationId: `${type}-read`, parameters: [ID] });
  if (codes.has('update')) instance.put = one(`Update (or create) a ${type}`, '200', 'Resource', { operationId: `${type}-update`, parameters: [ID, ifMatch], ...body('Resource') });
  if (codes.has('patch')) instance.patch = { ...one(`Patch a ${type} (JSON Patch)`, '200', 'Resource', { operationId: `${type}-patch`, parameters: [ID, ifMatch] }), requestBody: { required: true, content: { 'application/json-patch+json': { schema: { type: 'array', items: { type: 'object' } } } } } };
  if (codes.has('delete')) instance.delete = { tags, summary: `Delete a ${type}`, operationId: `${type}-delete`, parameters: [ID], responses: { '200': outcome('Deleted'), '204': { description: 'Deleted' }, ...ERRORS } };
  if (Object.keys(instance).length) paths.push([`/${type}/{id}`, instance]);
  if (codes.has('history-instance')) paths.push([`/${type}/{id}/_history`, { get: one(`History of a ${type}`, '200', 'Bundle', { operationId: `${type}-history-instance`, parameters: [ID] }) }]);
  if (codes.has('vread')) paths.push([`/${type}/{id}/_history/{vid}`, { get: one(`Read a version of a ${type}`, '200', 'Resource', { operationId: `${type}-vread`, parameters: [ID, VID] }) }]);
  if (codes.has('history-type')) paths.push([`/${type}/_history`, { get: one(`History of all ${type} resources`, '200', 'Bundle', { operationId: `${type}-history-type` }) }]);
  return paths;
}

export function buildOpenApi(cs: CapabilityStatement, operationDefinitions: OperationDefinition[], baseUrl: string, options: OpenApiOptions = {}): Json {
  const defs = new Map(operationDefinitions.map((d) => [d.url, d]));
  const rest = cs.rest?.[0];
  const paths: [string, Json][] = [];
  const prss: [string, Json][] = [];
  const addOps = (ops: { name: string; definition: string }[] | undefined, type?: string) => {
    for (const op of ops ?? []) {
      const def = defs.get(op.definition);
      const levels: ('system' | 'type' | 'instance')[] = type ? ['type', 'instance'] : ['system'];
      for (const level of levels) {
        if (def && !def[level]) continue;
        for (const p of operationPaths(op.name, op.definition, level, type, def, options)) (op.definition.startsWith(OUR_CANONICAL) ? prss : paths).push(p);
      }
    }
  };
  const system: Json = {};
  if (rest?.interaction?.some((i) => i.code === 'transaction' || i.code === 'batch')) {
    system.post = { tags: ['System'], summary: 'Transaction or batch', operationId: 'system-bundle', requestBody: { required: true, ...fhirContent(ref('Bundle')) }, responses: { '200': { description: 'The transaction-response or batch-response Bundle', ...fhirContent(ref('Bundle')) }, ...ERRORS } };
  }
  if (Object.keys(system).length) paths.push(['/', system]);
  paths.push(['/metadata', { get: { tags: ['System'], summary: 'The CapabilityStatement', operationId: 'capabilities', security: [], responses: { '200': { description: 'The CapabilityStatement', ...fhirContent(ref('CapabilityStatement')) } } } }]);
  if (rest?.interaction?.some((i) => i.code === 'history-system')) paths.push(['/_history', { get: { tags: ['System'], summary: 'History of every resource', operationId: 'history-system', responses: { '200': { description: 'A history Bundle', ...fhirContent(ref('Bundle')) }, ...ERRORS } } }]);
  addOps(rest?.operation);
  for (const r of rest?.resource ?? []) {
    paths.push(...typePaths(r));
    addOps(r.operation, r.type);
  }
  const smart = rest?.security?.service?.some((s) => s.coding?.some((c) => c.code === 'SMART-on-FHIR')) ?? false;
  const types = [...new Set((rest?.resource ?? []).map((r) => r.type))];
  return {
    openapi: '3.1.0',
    info: {
      title: cs.title ?? cs.name ?? 'FHIR server',
      version: cs.software?.version ?? cs.version ?? '0',
      description: `${cs.description ?? ''}\n\nGenerated from the server's CapabilityStatement (\`GET /metadata\`) and OperationDefinitions. FHIR ${cs.fhirVersion}; every request and response is \`${FHIR_JSON}\`.${rest?.documentation ? `\n\n${rest.documentation}` : ''}${rest?.security?.description ? `\n\n${rest.security.description}` : ''}`,
    },
    // Relative to this document, so "try it" calls the server the page was loaded from.
    servers: [{ url: new URL(baseUrl).pathname.replace(/\/$/, '') || '/', description: 'this server' }],
    tags: [{ name: PRSS_TAG, description: 'The Peer Recovery Support Services operations: claim validation and submission against each state\'s rules, plan compliance, utilization and caseload' }, { name: 'System' }, ...types.map((name) => ({ name }))],
    paths: Object.fromEntries([...prss, ...paths].reduce((m, [p, item]) => m.set(p, { ...(m.get(p) ?? {}), ...item }), new Map<string, Json>())),
    components: {
      schemas: SCHEMAS,
      ...(smart ? { securitySchemes: { smartBackendServices: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from SMART Backend Services (POST /auth/token, client_credentials with a signed client assertion; `npm run token` gets one).' } } } : {}),
    },
    ...(smart ? { security: [{ smartBackendServices: [] }] } : {}),
  };
}
