/**
 * `$meta` (system, type, instance), `$meta-add` and `$meta-delete` (instance), per the R4
 * OperationDefinitions Resource-meta, Resource-meta-add and Resource-meta-delete: Parameters in,
 * Parameters with `return` (a Meta) out. Profiles match by URL, tags and security labels by system
 * and code. Adding or deleting labels is a change like any other: a new version, validated and
 * indexed (so `_tag` search sees it); a call that changes nothing writes nothing.
 */
import type { Coding, Meta, OperationDefinition, Parameters } from 'fhir/r4';
import { sqlOf } from '../../auth/policy';
import { badRequest } from '../../outcomes';
import type { Resource } from '../../store/repository';
import { SqlParams } from '../../store/sql';
import { coreResources } from '../core-definitions';
import { requireId, requireType, requireWritable, validateForWrite, versionHeaders } from '../interactions/common';
import { stripVersionMeta } from '../interactions/patch';
import { defineOperation } from '../registry';
import { RESOURCE_TYPES } from '../resource-types';
import type { FhirResponse, Handler } from '../types';
import { callerOf, searchableTypes, visibleAcross } from './type-access';

const official = (id: string) => coreResources('profiles-resources.json').find((r): r is OperationDefinition => r.resourceType === 'OperationDefinition' && r.id === id)!;
const metaDef = official('Resource-meta');
const metaAddDef = official('Resource-meta-add');
const metaDeleteDef = official('Resource-meta-delete');
// AuditEvents live in their own table (src/audit), outside what these operations read and write.
const TYPES = RESOURCE_TYPES.filter((t) => t !== 'AuditEvent');

const answer = (meta: Meta, headers: Record<string, string> = {}): FhirResponse => ({
  status: 200,
  headers,
  resource: { resourceType: 'Parameters', parameter: [{ name: 'return', valueMeta: meta }] } as Parameters as Resource,
});

/** $meta takes no input: a query parameter or a body naming one is a 400 (an empty Parameters is fine). */
function requireNoInput(query: [string, string][], body: unknown): void {
  const extra = query.find(([k]) => k !== '_format' && k !== '_pretty');
  if (extra) throw badRequest(`$meta takes no parameters, not '${extra[0]}'`, extra[0]);
  if (body === undefined) return;
  const b = body as Parameters;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || b.resourceType !== 'Parameters') throw badRequest('The body of $meta, if any, is an empty Parameters resource', undefined, 'structure');
  if (b.parameter?.length) throw badRequest(`$meta takes no parameters, not '${b.parameter[0].name}'`, 'Parameters.parameter[0]');
}

const codingKey = (c: Coding) => `${c.system ?? ''}|${c.code ?? ''}`;

function checkCodings(list: unknown, where: string): Coding[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw badRequest(`${where} must be an array of Codings`, where, 'structure');
  return list.map((c, i) => {
    const coding = c as Coding;
    if (!coding || typeof coding !== 'object' || Array.isArray(coding) || typeof coding.code !== 'string' || !coding.code || (coding.system !== undefined && typeof coding.system !== 'string')) {
      throw badRequest(`${where}[${i}] must be a Coding with a code (and a system)`, `${where}[${i}]`, 'structure');
    }
    return coding;
  });
}

/** The `meta` parameter of $meta-add / $meta-delete: exactly one, a Meta with profiles, tags or security labels. */
function metaParameter(code: string, body: unknown): { profile: string[]; tag: Coding[]; security: Coding[] } {
  const b = body as Parameters | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b) || b.resourceType !== 'Parameters') throw badRequest(`$${code} takes a Parameters body with a 'meta' parameter`, undefined, b === undefined ? 'required' : 'structure');
  const params = b.parameter ?? [];
  params.forEach((p, i) => {
    if (p.name !== 'meta') throw badRequest(`Unknown parameter '${p.name}' for $${code}`, `Parameters.parameter[${i}]`);
  });
  if (params.length !== 1) throw badRequest(`$${code} needs exactly one 'meta' parameter, not ${params.length}`, 'meta', params.length ? 'invalid' : 'required');
  const meta = params[0].valueMeta as Meta | undefined;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw badRequest(`The 'meta' parameter of $${code} must carry a valueMeta`, 'Parameters.parameter[0].valueMeta', 'required');
  const where = 'Parameters.parameter[0].valueMeta';
  if (meta.profile !== undefined && (!Array.isArray(meta.profile) || meta.profile.some((p) => typeof p !== 'string' || !/^\S+$/.test(p)))) throw badRequest(`${where}.profile must be an array of canonical URLs`, `${where}.profile`, 'structure');
  const out = { profile: meta.profile ?? [], tag: checkCodings(meta.tag, `${where}.tag`), security: checkCodings(meta.security, `${where}.security`) };
  if (!out.profile.length && !out.tag.length && !out.security.length) throw badRequest(`The meta of $${code} names no profile, tag or security label`, where, 'required');
  return out;
}

/** GET|POST [base]/$meta and [type]/$meta: every profile, tag and security label in use on current resources the caller may see. */
const metaSummary = (level: 'system' | 'type'): Handler => async ({ req, deps, params }) => {
  if (level === 'type') requireType(params.type);
  requireNoInput(req.query, req.body);
  const auth = callerOf(req, deps);
  const { allowed } = searchableTypes(deps, auth, level === 'type' ? [params.type] : TYPES);
  if (level === 'type' && !allowed.length) deps.access?.assertAllowed(auth, 'search', params.type); // throws the 403
  const p = new SqlParams();
  const visible = visibleAcross(deps, auth, allowed, p, 'r');
  const typeCond = level === 'type' ? ` AND x.type = ${p.add(params.type)}` : '';
  const sql = sqlOf(deps.repo);
  const codings = await sql.query<{ param: string; system: string | null; code: string }>(
    `SELECT DISTINCT x.param, x.system, x.code FROM sp_token x JOIN resource r ON r.rid = x.rid
      WHERE x.param IN ('_tag', '_security')${typeCond} AND NOT r.deleted AND ${visible} ORDER BY x.param, x.system, x.code`,
    p.values,
  );
  const profiles = await sql.query<{ value: string }>(
    `SELECT DISTINCT x.value FROM sp_uri x JOIN resource r ON r.rid = x.rid
      WHERE x.param = '_profile'${typeCond} AND NOT r.deleted AND ${visible} ORDER BY x.value`,
    p.values,
  );
  const coding = (c: { system: string | null; code: string }): Coding => ({ ...(c.system ? { system: c.system } : {}), code: c.code });
  const meta: Meta = {};
  if (profiles.length) meta.profile = profiles.map((r) => r.value);
  const tag = codings.filter((c) => c.param === '_tag').map(coding);
  const security = codings.filter((c) => c.param === '_security').map(coding);
  if (security.length) meta.security = security;
  if (tag.length) meta.tag = tag;
  return answer(meta);
};

/** GET|POST [type]/[id]/$meta: the resource's meta, as a read would return it. */
const metaInstance: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireId(params.id);
  requireNoInput(req.query, req.body);
  deps.access?.assertAllowed(callerOf(req, deps), 'read', params.type);
  const raw = await deps.repo.readRaw(params.type, params.id);
  return answer((JSON.parse(raw.json) as Resource).meta ?? {}, versionHeaders(raw));
};

function changeMeta(code: 'meta-add' | 'meta-delete'): Handler {
  return async ({ req, deps, params }) => {
    requireType(params.type);
    requireWritable(deps, params.type);
    requireId(params.id);
    const extra = req.query.find(([k]) => k !== '_format' && k !== '_pretty');
    if (extra) throw badRequest(`$${code} takes its meta in a Parameters body, not '${extra[0]}' in the URL`, extra[0]);
    const given = metaParameter(code, req.body);
    deps.access?.assertAllowed(callerOf(req, deps), 'update', params.type);
    return deps.repo.transaction(async (repo) => {
      const current = await repo.read(params.type, params.id);
      const meta: Meta = structuredClone(current.meta ?? {});
      const before = JSON.stringify(meta);
      if (code === 'meta-add') {
        for (const p of given.profile) if (!(meta.profile ?? []).includes(p)) meta.profile = [...(meta.profile ?? []), p];
        for (const key of ['tag', 'security'] as const) {
          for (const c of given[key]) if (!(meta[key] ?? []).some((x) => codingKey(x) === codingKey(c))) meta[key] = [...(meta[key] ?? []), c];
        }
      } else {
        if (meta.profile) meta.profile = meta.profile.filter((p) => !given.profile.includes(p));
        for (const key of ['tag', 'security'] as const) {
          if (meta[key]) meta[key] = meta[key]!.filter((x) => !given[key].some((c) => codingKey(c) === codingKey(x)));
        }
        for (const key of ['profile', 'tag', 'security'] as const) if (meta[key]?.length === 0) delete meta[key];
      }
      if (JSON.stringify(meta) === before) {
        const m = current.meta!;
        return answer(meta, versionHeaders({ versionId: m.versionId!, lastUpdated: m.lastUpdated! }));
      }
      const changed: Resource = { ...current, meta };
      stripVersionMeta(changed);
      validateForWrite(deps, changed);
      const [result] = await repo.write([{ kind: 'update', resource: changed, ifMatch: req.headers.ifMatch ?? current.meta?.versionId, method: 'PUT' }]);
      return answer(result.resource!.meta ?? {}, versionHeaders(result));
    });
  };
}

defineOperation({ name: 'meta', definition: metaDef.url!, system: true, resourceTypes: [], methods: ['GET', 'POST'], handler: metaSummary('system') });
defineOperation({ name: 'meta', definition: metaDef.url!, type: true, resourceTypes: TYPES, methods: ['GET', 'POST'], handler: metaSummary('type') });
defineOperation({ name: 'meta', definition: metaDef.url!, instance: true, resourceTypes: TYPES, methods: ['GET', 'POST'], handler: metaInstance });
defineOperation({ name: 'meta-add', definition: metaAddDef.url!, instance: true, resourceTypes: TYPES, methods: ['POST'], writes: true, handler: changeMeta('meta-add') });
defineOperation({ name: 'meta-delete', definition: metaDeleteDef.url!, instance: true, resourceTypes: TYPES, methods: ['POST'], writes: true, handler: changeMeta('meta-delete') });
