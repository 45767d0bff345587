/**
 * Bulk Data 2.0.0 kick-off parameters, parsed and checked before a job is queued: a request the
 * worker could not honour is a 400 now, never a failed job later. `_typeFilter` queries go through
 * the search parser, so they mean exactly what the same search means.
 */
import type { OperationDefinition, Parameters } from 'fhir/r4';
import { badRequest, isOutcomeError } from '../outcomes';
import { parseOperationInput } from '../fhir/operations/parameters';
import { RESOURCE_TYPES, isResourceType } from '../fhir/resource-types';
import { search as searchModule } from '../fhir/search';
import type { ParsedSearch } from '../fhir/search/types';
import type { FhirDeps, FhirRequest } from '../fhir/types';
import { PATIENT_COMPARTMENT_TYPES, inPatientCompartment } from './compartment';

export type ExportLevel = 'system' | 'patient' | 'group';

/** What a job exports; stored with the job (JSON) and re-read by whichever worker claims it. */
export interface ExportSpec {
  level: ExportLevel;
  groupId?: string;
  /** Types to export, in order. */
  types: string[];
  /** Only resources changed after this instant. */
  since?: string;
  /** Per type, search queries (`category=…`) combined with OR. */
  typeFilters: Record<string, string[]>;
  /** Patient ids whose compartments are exported (Group members, the `patient` parameter); all when absent. */
  patients?: string[];
  /**
   * `_elements`: `name` (every type) or `Type.name` (one type). A type with elements that apply to it
   * is exported with only those, its mandatory elements, id and meta, and tagged SUBSETTED.
   */
  elements?: string[];
  /** `includeAssociatedData`: Provenance of the exported resources, added as its own type. */
  associated?: AssociatedData[];
  /** Parameters ignored under `Prefer: handling=lenient`, reported in the manifest's error files. */
  warnings: string[];
}

/** The includeAssociatedData values of Bulk Data 2.0.0 this server honours. */
export const ASSOCIATED_DATA = ['LatestProvenanceResources', 'RelevantProvenanceResources'] as const;
export type AssociatedData = (typeof ASSOCIATED_DATA)[number];

/** The types a job writes, in order: the requested ones, then Provenance when associated data adds it. */
export function passesOf(spec: ExportSpec): string[] {
  return spec.associated?.length && !spec.types.includes('Provenance') ? [...spec.types, 'Provenance'] : spec.types;
}

/** The `_elements` that apply to a type: unqualified names and `Type.name` for this type. */
export function elementsFor(spec: ExportSpec, type: string): string[] {
  return (spec.elements ?? []).flatMap((e) => {
    const dot = e.indexOf('.');
    if (dot < 0) return [e];
    return e.slice(0, dot) === type ? [e.slice(dot + 1)] : [];
  });
}

/** Name prefix of the error file holding a job's kick-off warnings (Prefer: handling=lenient). */
export const WARNINGS_PREFIX = 'error-';

export const NDJSON_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];

const INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

/** Search result parameters have no meaning in a filter; rejecting them beats silently dropping them. */
const RESULT_PARAMS = new Set(['_count', '_sort', '_include', '_revinclude', '_summary', '_elements', '_total', '_cursor', '_contained', '_containedType', '_format', '_pretty']);

/** Parse one `_typeFilter` value (`Type?query`) into its type and query pairs. */
export function splitTypeFilter(value: string): { type: string; query: [string, string][] } {
  const q = value.indexOf('?');
  const type = (q < 0 ? value : value.slice(0, q)).trim();
  if (!isResourceType(type)) throw badRequest(`_typeFilter '${value}': '${type}' is not a resource type`, '_typeFilter');
  if (q < 0 || q === value.length - 1) throw badRequest(`_typeFilter '${value}' has no search query after '${type}?'`, '_typeFilter');
  return { type, query: [...new URLSearchParams(value.slice(q + 1)).entries()] };
}

/** The parsed search of a stored `_typeFilter` query (strict: an unknown parameter is an error). */
export function typeFilterSearch(type: string, query: string, deps: Pick<FhirDeps, 'config'>): ParsedSearch {
  const pairs = [...new URLSearchParams(query).entries()];
  for (const [name] of pairs) {
    if (RESULT_PARAMS.has(name.split(':')[0])) throw badRequest(`_typeFilter '${type}?${query}': '${name}' is not a filter`, '_typeFilter');
  }
  return searchModule.parseSearch(type, pairs, {
    strict: true,
    defaultCount: deps.config.SEARCH_DEFAULT_COUNT,
    maxCount: deps.config.SEARCH_MAX_COUNT,
  });
}

/** A patient reference (`Patient/123`, or an absolute URL ending so) to its id. */
export function patientIdOf(reference: string | undefined): string | undefined {
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference ?? '');
  return m?.[1];
}

const asPairs = (query: [string, string][]) => query.filter(([k]) => k !== '_format' && k !== '_pretty');

/**
 * Parse a kick-off request (GET query or POST Parameters body) into an ExportSpec.
 * Throws 400 (OperationOutcome) for anything this server cannot do as asked.
 */
export function parseKickOff(def: OperationDefinition, level: ExportLevel, req: FhirRequest, deps: FhirDeps): ExportSpec {
  if (!req.prefer.respondAsync) {
    throw badRequest('$export is asynchronous: send the header Prefer: respond-async', 'Prefer', 'required');
  }
  deps.access?.assertAllowed(req.auth, 'export');
  // Accept names the format of the kick-off's OperationOutcome: Bulk Data 2.0.0 requires it, and only application/fhir+json is defined.
  const accepted = (req.headers.accept ?? '').split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  if (!accepted.includes('application/fhir+json')) {
    throw badRequest(`$export needs the header Accept: application/fhir+json (the format of its OperationOutcome)${req.headers.accept ? `, not '${req.headers.accept}'` : ''}`, 'Accept', 'required');
  }
  const lenient = req.prefer.handling === 'lenient';
  const warnings: string[] = [];
  const known = new Set((def.parameter ?? []).filter((p) => p.use === 'in').map((p) => p.name));

  // `patient` is a Reference, which the generic parameter reader does not take: read it here.
  let query = asPairs(req.query);
  let body = req.body;
  const patientRefs: string[] = [];
  if (req.method === 'POST') {
    if (body === undefined || typeof body !== 'object' || body === null || (body as { resourceType?: string }).resourceType !== 'Parameters') {
      throw badRequest('A POST $export takes a Parameters resource as its body', undefined, 'structure');
    }
    const params = (body as Parameters).parameter ?? [];
    const rest = params.filter((p, i) => {
      if (p.name !== 'patient' || !known.has('patient')) return true;
      const id = patientIdOf(p.valueReference?.reference);
      if (!id) throw badRequest(`Parameter 'patient' must be a reference to a Patient (Patient/[id])`, `Parameters.parameter[${i}].valueReference`);
      patientRefs.push(id);
      return false;
    });
    body = { ...(body as Parameters), parameter: rest };
  }
  if (lenient) {
    const drop = (name: string) => {
      warnings.push(`Parameter '${name}' is not supported by $export here and was ignored`);
      return false;
    };
    query = query.filter(([k]) => known.has(k) || drop(k));
    if (body) (body as Parameters).parameter = ((body as Parameters).parameter ?? []).filter((p) => known.has(p.name) || drop(p.name));
  }
  const input = parseOperationInput(def, body, query);
  const all = (name: string) => input.values.get(name) ?? [];

  const format = all('_outputFormat')[0];
  // An unencoded '+' in a query string arrives as a space: accept that spelling too.
  if (format !== undefined && !NDJSON_FORMATS.includes(format.replace(/ /g, '+'))) {
    throw badRequest(`_outputFormat '${format}' is not supported; use application/fhir+ndjson`, '_outputFormat', 'not-supported');
  }

  const since = all('_since')[0];
  if (since !== undefined && !INSTANT.test(since)) {
    throw badRequest(`_since must be an instant (e.g. 2024-01-01T00:00:00Z), not '${since}'`, '_since');
  }
  if (since !== undefined && Date.parse(since) > Date.now()) {
    throw badRequest(`_since '${since}' is in the future: nothing can have changed after it yet`, '_since');
  }

  // Repeated parameters and comma-separated lists mean the same (Bulk Data 2.0.0).
  const list = (name: string) => [...new Set(all(name).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean))];

  const elements = list('_elements');
  for (const e of elements) {
    const m = /^(?:([A-Z][A-Za-z]+)\.)?([a-z][A-Za-z0-9]*)$/.exec(e);
    if (!m || (m[1] !== undefined && !isResourceType(m[1]))) {
      throw badRequest(`_elements '${e}' is not an element name (name or Type.name, top-level elements only)`, '_elements');
    }
  }

  const associated: AssociatedData[] = [];
  for (const v of list('includeAssociatedData')) {
    if ((ASSOCIATED_DATA as readonly string[]).includes(v)) associated.push(v as AssociatedData);
    else if (lenient) warnings.push(`Parameter 'includeAssociatedData' value '${v}' is not supported here and was ignored`);
    else throw badRequest(`includeAssociatedData '${v}' is not supported; this server offers ${ASSOCIATED_DATA.join(', ')}`, 'includeAssociatedData', 'not-supported');
  }

  let requested = list('_type');
  for (const t of requested) {
    if (!isResourceType(t)) throw badRequest(`_type: '${t}' is not a resource type`, '_type');
  }
  if (level !== 'system' && requested.length) {
    const outside = requested.filter((t) => !inPatientCompartment(t));
    if (outside.length === requested.length) {
      throw badRequest(`_type: ${outside.join(', ')} ${outside.length > 1 ? 'are' : 'is'} not in the Patient compartment, so a ${level} export has none to give`, '_type');
    }
    for (const t of outside) warnings.push(`Parameter '_type': ${t} is not in the Patient compartment, so a ${level} export has none to give`);
    requested = requested.filter(inPatientCompartment);
  }

  const typeFilters: Record<string, string[]> = {};
  for (const v of all('_typeFilter')) {
    let type: string;
    let canonical: string;
    try {
      const split = splitTypeFilter(v);
      type = split.type;
      canonical = new URLSearchParams(split.query).toString();
      if (requested.length && !requested.includes(type)) throw badRequest(`_typeFilter '${v}' names ${type}, which _type does not include`, '_typeFilter');
      if (level !== 'system' && !inPatientCompartment(type)) throw badRequest(`_typeFilter '${v}': ${type} is not in the Patient compartment`, '_typeFilter');
      typeFilterSearch(type, canonical, deps); // throws 400 on a filter the search would reject
    } catch (e) {
      // Lenient: a filter this server cannot apply is dropped (its type is then exported unfiltered), and said so.
      if (!lenient || !isOutcomeError(e) || e.status !== 400) throw e;
      warnings.push(`Parameter '_typeFilter' value '${v}' was ignored: ${e.issues.map((i) => i.diagnostics).join('; ')}`);
      continue;
    }
    (typeFilters[type] ??= []).push(canonical);
  }

  // Access (export itself is checked above): named types must each be allowed; otherwise export what the client may export.
  let types: string[];
  if (requested.length) {
    for (const t of requested) deps.access?.assertAllowed(req.auth, 'export', t);
    types = requested;
  } else {
    const candidates = level === 'system' ? RESOURCE_TYPES.filter((t) => !deps.readOnlyTypes.has(t)) : [...PATIENT_COMPARTMENT_TYPES];
    types = candidates.filter((t) => {
      try {
        deps.access?.assertAllowed(req.auth, 'export', t);
        return true;
      } catch (e) {
        if (isOutcomeError(e) && e.status === 403) return false;
        throw e;
      }
    });
  }

  if (associated.length && !types.includes('Provenance')) {
    try {
      deps.access?.assertAllowed(req.auth, 'export', 'Provenance');
    } catch (e) {
      if (!lenient || !isOutcomeError(e) || e.status !== 403) throw e;
      warnings.push(`Parameter 'includeAssociatedData' was ignored: this client may not export Provenance`);
      associated.length = 0;
    }
  }

  for (const ref of all('patient')) {
    const id = patientIdOf(ref);
    if (!id) throw badRequest(`Parameter 'patient' must be a reference to a Patient (Patient/[id]), not '${ref}'`, 'patient');
    patientRefs.push(id);
  }
  if (patientRefs.length && level === 'system') {
    if (!lenient) throw badRequest(`Parameter 'patient' does not apply to a system-level export`, 'patient');
    warnings.push(`Parameter 'patient' does not apply to a system-level export and was ignored`);
  }
  const spec: ExportSpec = { level, types, typeFilters, warnings };
  if (since) spec.since = since;
  if (elements.length) spec.elements = elements;
  if (associated.length) spec.associated = associated;
  if (patientRefs.length && level !== 'system') spec.patients = [...new Set(patientRefs)];
  return spec;
}
