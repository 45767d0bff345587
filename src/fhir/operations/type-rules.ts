/**
 * Rules that apply to a resource type in $validate beyond structure and profiles (rules.md: "RRWP
 * rules for CarePlan, session rules for Encounter"). Each is registered by the module that owns it;
 * validate.ts runs those of the type once the resource is structurally sound.
 */
import type { OperationOutcomeIssue } from 'fhir/r4';
import type { Resource } from '../../store/repository';
import type { FhirDeps } from '../types';

export type TypeRules = (resource: Resource, deps: FhirDeps) => Promise<OperationOutcomeIssue[]>;

const byType = new Map<string, TypeRules[]>();

export function registerTypeRules(type: string, rules: TypeRules): void {
  const list = byType.get(type) ?? [];
  if (!list.includes(rules)) list.push(rules);
  byType.set(type, list);
}

/** Every issue the type's registered rules report for the resource. */
export async function runTypeRules(resource: Resource, deps: FhirDeps): Promise<OperationOutcomeIssue[]> {
  const out: OperationOutcomeIssue[] = [];
  for (const rules of byType.get(resource.resourceType) ?? []) out.push(...(await rules(resource, deps)));
  return out;
}
