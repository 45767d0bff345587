/**
 * One AuditEvent per FHIR request: who (client id or 'anonymous'), what (type and id, or the search's
 * parameter NAMES — values can be PHI), when, and the outcome (HTTP status). Never a resource body,
 * and no literal references, so audit records never join a member's records in the store's
 * reference index (the rule engine gathers a member's records through it).
 */
import type { AuditEvent, AuditEventEntity } from 'fhir/r4';

export interface AuditInput {
  clientId?: string;
  method: string;
  /** Path below the FHIR base, e.g. `/Patient/123`. */
  path: string;
  /** Query (and form) parameter names, in order, with repeats. */
  parameterNames: string[];
  status: number;
  requestId: string;
  recorded: string;
  address?: string;
  /** `Type/id` of resources a write, bundle or operation touched (from Location headers or bundle responses). */
  touched?: string[];
  /** Bundle.type of a POST to the base. */
  bundleType?: string;
}

const ENTITY_TYPE = { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' };
const INTERACTION = 'http://hl7.org/fhir/restful-interaction';

/** The interaction of a request, by method and path shape. */
export function classify(method: string, path: string, bundleType?: string): { interaction: string; action: 'C' | 'R' | 'U' | 'D' | 'E'; type?: string; id?: string; vid?: string; operation?: string } | undefined {
  const s = path.split('/').filter(Boolean).map((x) => {
    try {
      return decodeURIComponent(x);
    } catch {
      return x;
    }
  });
  const m = method === 'HEAD' ? 'GET' : method;
  const last = s[s.length - 1];
  if (last?.startsWith('$')) {
    const operation = last.slice(1);
    return { interaction: 'operation', action: 'E', operation, type: s.length > 1 ? s[0] : undefined, id: s.length === 3 ? s[1] : undefined };
  }
  if (s.length === 0) return m === 'POST' ? { interaction: bundleType === 'batch' ? 'batch' : 'transaction', action: 'E' } : undefined;
  if (s[0] === 'metadata' || s[0] === '.well-known') return undefined;
  if (s[0] === '_history') return { interaction: 'history-system', action: 'R' };
  const [type, id] = s;
  if (s.length === 1) {
    if (m === 'GET') return { interaction: 'search-type', action: 'E', type };
    if (m === 'POST') return { interaction: 'create', action: 'C', type };
    if (m === 'PUT') return { interaction: 'update', action: 'U', type };
    if (m === 'DELETE') return { interaction: 'delete', action: 'D', type };
  }
  if (s.length === 2) {
    if (id === '_search') return { interaction: 'search-type', action: 'E', type };
    if (id === '_history') return { interaction: 'history-type', action: 'R', type };
    if (m === 'GET') return { interaction: 'read', action: 'R', type, id };
    if (m === 'PUT') return { interaction: 'update', action: 'U', type, id };
    if (m === 'PATCH') return { interaction: 'patch', action: 'U', type, id };
    if (m === 'DELETE') return { interaction: 'delete', action: 'D', type, id };
  }
  if (s.length === 3 && s[2] === '_history') return { interaction: 'history-instance', action: 'R', type, id };
  if (s.length === 4 && s[2] === '_history') return { interaction: 'vread', action: 'R', type, id, vid: s[3] };
  return { interaction: 'unknown', action: 'E', type };
}

export function auditEvent(input: AuditInput): AuditEvent | undefined {
  const c = classify(input.method, input.path, input.bundleType);
  if (!c) return undefined;
  const who = input.clientId ?? 'anonymous';
  const entity: AuditEventEntity[] = [];
  const names = [...new Set(input.parameterNames.filter((n) => n !== '_format' && n !== '_pretty'))];
  if (c.interaction === 'search-type' || (c.interaction === 'operation' && !c.id) || c.interaction.startsWith('history')) {
    entity.push({
      type: ENTITY_TYPE,
      name: c.type ?? '(system)',
      ...(c.operation ? { description: `$${c.operation}` } : {}),
      ...(names.length ? { detail: [{ type: 'parameters', valueString: names.join(',') }] } : {}),
    });
  }
  if (c.id) {
    entity.push({ type: ENTITY_TYPE, name: `${c.type}/${c.id}${c.vid ? `/_history/${c.vid}` : ''}`, ...(c.operation ? { description: `$${c.operation}` } : {}) });
  }
  for (const key of (input.touched ?? []).slice(0, 1000)) {
    if (!entity.some((e) => e.name === key)) entity.push({ type: ENTITY_TYPE, name: key });
  }
  if (!entity.length && c.type) entity.push({ type: ENTITY_TYPE, name: c.type });
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: INTERACTION, code: c.interaction }],
    action: c.action,
    recorded: input.recorded,
    outcome: input.status < 400 ? '0' : input.status < 500 ? '4' : '8',
    outcomeDesc: `HTTP ${input.status} (request ${input.requestId})`,
    agent: [{
      type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' }] },
      altId: who,
      name: who,
      requestor: true,
      ...(input.address ? { network: { address: input.address, type: '2' as const } } : {}),
    }],
    source: {
      observer: { display: 'prss-fhir-server' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity,
  };
}
