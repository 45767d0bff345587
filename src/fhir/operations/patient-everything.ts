/**
 * GET|POST /Patient/[id]/$everything: the patient and every current resource in its compartment (the
 * R4 Patient CompartmentDefinition, src/bulk/compartment.ts), as a searchset Bundle paged by keyset,
 * with `_since`, `_type` and `_count`; without `_type`, each page also carries the resources outside
 * the compartment that its entries reference (practitioners, organizations, locations…), as
 * `search.mode = include`. Only types the caller's role and scopes may search, and only rows its
 * tenancy lets it see.
 */
import type { OperationDefinition } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import { inPatientCompartment, patientCompartmentPage, PATIENT_COMPARTMENT_TYPES, referencedOutsideCompartment } from '../../bulk/compartment';
import { sqlOf } from '../../auth/policy';
import type { SqlParams } from '../../store/sql';
import { badRequest, issue, operationOutcome, type Issue } from '../../outcomes';
import { coreResources } from '../core-definitions';
import { requireId } from '../interactions/common';
import { defineOperation } from '../registry';
import { isResourceType, RESOURCE_TYPES } from '../resource-types';
import type { Handler } from '../types';
import { parseOperationInput, type OperationInput } from './parameters';
import { callerOf, searchableTypes, visibleAcross } from './type-access';

const def = coreResources('profiles-resources.json').find((r): r is OperationDefinition => r.resourceType === 'OperationDefinition' && r.id === 'Patient-everything')!;
/** Types outside the Patient compartment that its resources may reference (AuditEvents live apart, in src/audit). */
const OUTSIDE_TYPES = new Set(RESOURCE_TYPES.filter((t) => !inPatientCompartment(t) && t !== 'AuditEvent'));
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function typesOf(input: OperationInput): string[] | undefined {
  const values = input.values.get('_type');
  if (!values) return undefined;
  const types = [...new Set(values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean))];
  for (const t of types) if (!isResourceType(t)) throw badRequest(`_type names '${t}', which is not an R4 resource type`, '_type');
  return types;
}

export const patientEverything: Handler = async ({ req, deps, params }) => {
  requireId(params.id);
  const cursorText = req.query.find(([k]) => k === '_cursor')?.[1];
  if (cursorText !== undefined && !/^\d{1,18}$/.test(cursorText)) throw badRequest(`_cursor '${cursorText}' is not one this server gave out`, '_cursor');
  const input = parseOperationInput(def, req.body, req.query.filter(([k]) => k !== '_cursor'));
  for (const name of ['start', 'end', '_offset']) {
    if (input.values.has(name)) throw badRequest(`Parameter '${name}' of $everything is not supported by this server (page with the next link instead of _offset; select by _since and _type)`, name, 'not-supported');
  }
  const since = input.values.get('_since')?.[0];
  if (since !== undefined && !INSTANT.test(since)) throw badRequest(`_since must be a FHIR instant (e.g. 2026-01-31T00:00:00Z), not '${since}'`, '_since');
  const countText = input.values.get('_count')?.[0];
  const count = countText === undefined ? deps.config.SEARCH_DEFAULT_COUNT : Math.min(Number(countText), deps.config.SEARCH_MAX_COUNT);
  if (!Number.isInteger(count) || count < 0) throw badRequest(`_count must be a non-negative integer, not '${countText}'`, '_count');

  const auth = callerOf(req, deps);
  const patient = await deps.repo.readRaw('Patient', params.id); // 404 unknown or not visible, 410 deleted
  const asked = typesOf(input);
  const warnings: Issue[] = [];
  for (const t of asked ?? []) if (!inPatientCompartment(t)) warnings.push(issue('warning', 'not-supported', `${t} is not in the Patient compartment; $everything returns none`, '_type'));
  const { allowed, refused } = searchableTypes(deps, auth, (asked ?? PATIENT_COMPARTMENT_TYPES).filter(inPatientCompartment));
  if (refused.length) warnings.push(issue('information', 'suppressed', `Left out, as this client may not search them: ${refused.join(', ')}`, '_type'));

  const after = cursorText === undefined ? 0 : Number(cursorText);
  const selfIncluded = allowed.includes('Patient') && (since === undefined || Date.parse(patient.lastUpdated) >= Date.parse(since));
  const withSelf = selfIncluded && cursorText === undefined && count > 0;
  const page = await patientCompartmentPage(sqlOf(deps.repo), {
    patientId: params.id,
    types: allowed,
    since,
    after,
    count: withSelf ? count - 1 : count,
    visible: (types, p, a) => visibleAcross(deps, auth, types, p, a),
    total: true,
  });

  const base = `${req.baseUrl}/Patient/${params.id}/$everything`;
  const linkParams: [string, string][] = [...input.values].flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]));
  const url = (cursor?: string) => {
    const qs = new URLSearchParams(linkParams);
    if (cursor) qs.set('_cursor', cursor);
    const s = qs.toString();
    return s ? `${base}?${s}` : base;
  };
  const link = [{ relation: 'self', url: url(cursorText) }];
  const last = page.rows[page.rows.length - 1];
  if (page.more && last) link.push({ relation: 'next', url: url(last.rid) });
  const head = {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type: 'searchset',
    total: page.total! + (selfIncluded ? 1 : 0),
    link,
  };
  const entry = (type: string, id: string, json: string, mode = 'match') => `{"fullUrl":${JSON.stringify(`${req.baseUrl}/${type}/${id}`)},"resource":${json},"search":{"mode":"${mode}"}}`;
  const entries = [
    ...(withSelf ? [entry('Patient', params.id, patient.json)] : []),
    ...page.rows.map((r) => entry(r.type, r.id, r.content)),
  ];
  if (!asked) {
    const visible = (types: string[], p: SqlParams, a: string) => visibleAcross(deps, auth, searchableTypes(deps, auth, types.filter((t) => OUTSIDE_TYPES.has(t))).allowed, p, a);
    const referenced = await referencedOutsideCompartment(sqlOf(deps.repo), page.rows.map((r) => r.rid), visible, withSelf ? params.id : undefined);
    entries.push(...referenced.map((r) => entry(r.type, r.id, r.content, 'include')));
  }
  if (warnings.length) entries.push(JSON.stringify({ fullUrl: `urn:uuid:${randomUUID()}`, resource: operationOutcome(warnings), search: { mode: 'outcome' } }));
  const headJson = JSON.stringify(head);
  return { status: 200, headers: {}, json: entries.length ? `${headJson.slice(0, -1)},"entry":[${entries.join(',')}]}` : headJson };
};

defineOperation({
  name: 'everything',
  definition: def.url!,
  instance: true,
  resourceTypes: ['Patient'],
  methods: ['GET', 'POST'],
  handler: patientEverything,
});
