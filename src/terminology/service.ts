/**
 * The terminology operations over the code systems and value sets the server holds (R4 core, our
 * profiles/, anything else the definition source knows): $lookup, $subsumes, $expand and
 * $validate-code. Framework-free: plain FHIR resources in, results out; bad input is an OutcomeError.
 *
 * A value set is resolved into the (system, code) pairs it contains. Parts that cannot be enumerated
 * here — a whole external terminology that is not loaded (SNOMED CT, LOINC, RxNorm…), or a filter
 * this server does not evaluate — are kept as "unknown" systems: an expansion refuses them (422), a
 * code validation reports a code of such a system as not checked rather than invalid.
 */
import type { CodeSystem, CodeSystemConceptDesignation, ValueSet, ValueSetComposeInclude, ValueSetExpansionContains } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import { OutcomeError, badRequest, issue } from '../outcomes';
import { IndexedCodeSystem, type Subsumption } from './code-system';

/** Where code systems and value sets come from (the validator's DefinitionRegistry is one). */
export interface TerminologySource {
  codeSystem(url: string): CodeSystem | undefined;
  valueSet(url: string): ValueSet | undefined;
}

/** Large external terminologies: never loaded here, so never enumerated nor checked. */
export const EXTERNAL_TERMINOLOGIES: Record<string, string> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
  'http://unitsofmeasure.org': 'UCUM',
  'urn:ietf:bcp:47': 'BCP-47 language tags',
  'urn:iso:std:iso:3166': 'ISO 3166',
  'urn:iso:std:iso:4217': 'ISO 4217',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
};

export interface ExpansionEntry {
  system: string;
  version?: string;
  code: string;
  display?: string;
  designation?: CodeSystemConceptDesignation[];
}

interface Resolved {
  entries: Map<string, ExpansionEntry>;
  /** system → why its members here cannot be enumerated. */
  unknown: Map<string, string>;
}

export interface ExpandOptions {
  filter?: string;
  offset?: number;
  count?: number;
  includeDesignations?: boolean;
}

export interface CodingInput {
  system?: string;
  code?: string;
  display?: string;
  version?: string;
}

export interface ValidateResult {
  result: boolean;
  message?: string;
  display?: string;
}

export interface LookupResult {
  name: string;
  version?: string;
  display: string;
  designation: CodeSystemConceptDesignation[];
  /** code → values, in the concept's order; `parent`/`child` from the hierarchy. */
  property: { code: string; value: { type: string; value: unknown } }[];
}

const key = (system: string, code: string) => `${system}\u0000${code}`;
const MAX_EXPANSION = 10000;

export class TerminologyService {
  private readonly indexes = new Map<string, IndexedCodeSystem | null>();

  constructor(private readonly source: TerminologySource) {}

  // ---- code systems ---------------------------------------------------------------------------

  /** A held code system by canonical URL (`|version` allowed); undefined when not held. */
  codeSystem(url: string): IndexedCodeSystem | undefined {
    const bar = url.indexOf('|');
    const u = bar < 0 ? url : url.slice(0, bar);
    if (!this.indexes.has(u)) {
      const cs = this.source.codeSystem(u);
      this.indexes.set(u, cs ? new IndexedCodeSystem(cs) : null);
    }
    return this.indexes.get(u) ?? undefined;
  }

  /** The code system to answer about: 404 when not held, 404 when a version is asked that it is not. */
  private requireCodeSystem(system: string, version?: string, resource?: CodeSystem): IndexedCodeSystem {
    const cs = resource ? new IndexedCodeSystem(resource) : this.codeSystem(system);
    if (!cs) {
      const external = EXTERNAL_TERMINOLOGIES[system];
      throw new OutcomeError(404, [issue('error', 'not-found', external
        ? `${system} (${external}) is an external terminology this server does not hold`
        : `CodeSystem ${system} is not held by this server`, 'system')]);
    }
    if (version && cs.resource.version && version !== cs.resource.version) {
      throw new OutcomeError(404, [issue('error', 'not-found', `CodeSystem ${cs.url} is held in version ${cs.resource.version}, not ${version}`, 'version')]);
    }
    return cs;
  }

  lookup(system: string, code: string, options: { version?: string; properties?: string[] } = {}): LookupResult {
    const cs = this.requireCodeSystem(system, options.version);
    const concept = cs.get(code);
    if (!concept) throw new OutcomeError(404, [issue('error', 'not-found', `Code '${code}' is not in CodeSystem ${cs.url}`, 'code')]);
    const wanted = options.properties?.length ? new Set(options.properties) : undefined;
    const property: LookupResult['property'] = [];
    const add = (code: string, type: string, value: unknown) => {
      if (!wanted || wanted.has(code)) property.push({ code, value: { type, value } });
    };
    for (const p of concept.property) {
      const entry = Object.entries(p).find(([k]) => k.startsWith('value'));
      if (entry) add(p.code, entry[0].slice(5), entry[1]);
    }
    const listed = new Set(concept.property.filter((p) => p.code === 'parent' || p.code === 'child').map((p) => `${p.code}|${p.valueCode}`));
    for (const parent of concept.parents) if (!listed.has(`parent|${parent}`)) add('parent', 'Code', parent);
    for (const child of concept.children) if (!listed.has(`child|${child}`)) add('child', 'Code', child);
    if (concept.definition !== undefined) add('definition', 'String', concept.definition);
    return {
      name: cs.resource.name ?? cs.resource.title ?? cs.url,
      version: cs.resource.version,
      display: concept.display ?? concept.code,
      designation: concept.designation,
      property,
    };
  }

  subsumes(system: string, codeA: string, codeB: string, version?: string): Subsumption {
    const cs = this.requireCodeSystem(system, version);
    for (const [name, code] of [['codeA', codeA], ['codeB', codeB]] as const) {
      if (!cs.get(code)) throw badRequest(`Code '${code}' (${name}) is not in CodeSystem ${cs.url}`, name, 'code-invalid');
    }
    return cs.subsumes(codeA, codeB);
  }

  /** CodeSystem/$validate-code: is the coding a concept of the system (and its display one of the concept's)? */
  validateInCodeSystem(system: string, codings: CodingInput[], options: { version?: string; resource?: CodeSystem } = {}): ValidateResult {
    if (!options.resource && EXTERNAL_TERMINOLOGIES[system] && !this.codeSystem(system)) {
      return { result: true, message: `Not checked: ${system} (${EXTERNAL_TERMINOLOGIES[system]}) is an external terminology this server does not hold` };
    }
    const cs = this.requireCodeSystem(system, options.version, options.resource);
    return anyValid(codings, (c) => {
      if (c.system && c.system !== cs.url) return { result: false, message: `The coding's system ${c.system} is not ${cs.url}` };
      const concept = cs.get(c.code!);
      if (!concept) {
        return cs.complete
          ? { result: false, message: `Code '${c.code}' is not in CodeSystem ${cs.url}` }
          : { result: true, message: `Not checked: CodeSystem ${cs.url} is published as '${cs.resource.content}', so a code missing from it may still exist` };
      }
      return checkDisplay(c, concept.display, cs.displays(concept.code));
    });
  }

  // ---- value sets -----------------------------------------------------------------------------

  valueSet(url: string): ValueSet | undefined {
    const bar = url.indexOf('|');
    return this.source.valueSet(bar < 0 ? url : url.slice(0, bar));
  }

  /** ValueSet/$expand: the value set with an `expansion` (filtered, paged); 422 when it cannot be enumerated. */
  expand(vs: ValueSet, options: ExpandOptions = {}): ValueSet {
    const resolved = this.resolve(vs, []);
    if (resolved.unknown.size) {
      const external = [...resolved.unknown.keys()].some((s) => EXTERNAL_TERMINOLOGIES[s]);
      const why = [...resolved.unknown.values()].join('; ');
      throw new OutcomeError(422, [issue('error', external ? 'too-costly' : 'not-supported', `ValueSet ${vs.url ?? vs.id} cannot be expanded here: ${why}`)]);
    }
    let entries = [...resolved.entries.values()];
    if (entries.length > MAX_EXPANSION) {
      throw new OutcomeError(422, [issue('error', 'too-costly', `ValueSet ${vs.url ?? vs.id} has ${entries.length} codes, more than the ${MAX_EXPANSION} this server expands`)]);
    }
    const filter = options.filter?.toLowerCase();
    if (filter) entries = entries.filter((e) => e.code.toLowerCase().includes(filter) || (e.display ?? '').toLowerCase().includes(filter));
    const offset = options.offset ?? 0;
    const page = entries.slice(offset, options.count === undefined ? undefined : offset + options.count);
    const contains: ValueSetExpansionContains[] = page.map((e) => ({
      system: e.system,
      ...(e.version ? { version: e.version } : {}),
      code: e.code,
      ...(e.display !== undefined ? { display: e.display } : {}),
      ...(options.includeDesignations && e.designation?.length ? { designation: e.designation } : {}),
    }));
    const parameter = [
      ...(options.filter !== undefined ? [{ name: 'filter', valueString: options.filter }] : []),
      ...(options.offset !== undefined ? [{ name: 'offset', valueInteger: options.offset }] : []),
      ...(options.count !== undefined ? [{ name: 'count', valueInteger: options.count }] : []),
      ...(options.includeDesignations !== undefined ? [{ name: 'includeDesignations', valueBoolean: options.includeDesignations }] : []),
    ];
    const { expansion: _published, text: _text, meta: _meta, ...rest } = vs;
    return {
      ...rest,
      expansion: {
        identifier: `urn:uuid:${randomUUID()}`,
        timestamp: new Date().toISOString(),
        total: entries.length,
        offset,
        ...(parameter.length ? { parameter } : {}),
        ...(contains.length ? { contains } : {}),
      },
    };
  }

  /** ValueSet/$validate-code: is one of the codings in the value set (with a valid display)? */
  validateInValueSet(vs: ValueSet, codings: CodingInput[]): ValidateResult {
    const resolved = this.resolve(vs, []);
    const name = vs.url ?? `ValueSet/${vs.id}`;
    return anyValid(codings, (c) => {
      let system = c.system;
      if (!system) {
        const systems = new Set([...resolved.entries.values()].filter((e) => e.code === c.code).map((e) => e.system));
        if (systems.size !== 1) {
          return resolved.unknown.size
            ? { result: true, message: `Not checked: the code has no system and ${name} includes codes this server cannot enumerate (${[...resolved.unknown.values()].join('; ')})` }
            : { result: false, message: `Code '${c.code}' (no system) is not in ValueSet ${name}` + (systems.size > 1 ? ' unambiguously: give its system' : '') };
        }
        system = [...systems][0];
      }
      const entry = resolved.entries.get(key(system, c.code!));
      if (!entry) {
        const why = resolved.unknown.get(system);
        if (why) return { result: true, message: `Not checked: ${why}` };
        const cs = this.codeSystem(system);
        const unknownCode = cs?.complete && !cs.get(c.code!) ? ` (it is not a code of ${system} at all)` : '';
        return { result: false, message: `Code '${c.code}' of ${system} is not in ValueSet ${name}${unknownCode}` };
      }
      const cs = this.codeSystem(system);
      const displays = [entry.display, ...(entry.designation ?? []).map((d) => d.value), ...(cs?.displays(entry.code) ?? [])].filter((d): d is string => typeof d === 'string');
      return checkDisplay(c, entry.display ?? cs?.get(entry.code)?.display, displays);
    });
  }

  // ---- resolution -----------------------------------------------------------------------------

  private resolve(vs: ValueSet, stack: string[]): Resolved {
    const id = vs.url ?? `ValueSet/${vs.id}`;
    if (stack.includes(id)) throw new OutcomeError(422, [issue('error', 'processing', `ValueSet ${id} imports itself (${[...stack, id].join(' → ')})`)]);
    const inner = [...stack, id];
    const out: Resolved = { entries: new Map(), unknown: new Map() };
    if (!vs.compose) {
      // A value set published with only an expansion is what that expansion lists.
      const walk = (items: ValueSetExpansionContains[]) => {
        for (const c of items) {
          if (c.system && c.code && !c.abstract) out.entries.set(key(c.system, c.code), { system: c.system, version: c.version, code: c.code, display: c.display, designation: c.designation });
          if (c.contains) walk(c.contains);
        }
      };
      walk(vs.expansion?.contains ?? []);
      if (vs.expansion?.total !== undefined && vs.expansion.total > out.entries.size) out.unknown.set(id, `ValueSet ${id} is published with a partial expansion and no definition`);
      return out;
    }
    for (const inc of vs.compose.include) {
      const part = this.resolveInclude(inc, inner);
      for (const [k, e] of part.entries) if (!out.entries.has(k)) out.entries.set(k, e);
      for (const [s, why] of part.unknown) out.unknown.set(s, why);
    }
    for (const exc of vs.compose.exclude ?? []) {
      const part = this.resolveInclude(exc, inner);
      for (const k of part.entries.keys()) out.entries.delete(k);
      for (const [s, why] of part.unknown) out.unknown.set(s, `an exclusion cannot be enumerated: ${why}`);
    }
    return out;
  }

  private resolveInclude(inc: ValueSetComposeInclude, stack: string[]): Resolved {
    const out: Resolved = { entries: new Map(), unknown: new Map() };
    if (inc.system) {
      const system = inc.system;
      const cs = this.codeSystem(system);
      if (inc.concept) {
        for (const c of inc.concept) {
          const concept = cs?.get(c.code);
          out.entries.set(key(system, c.code), {
            system, version: inc.version ?? cs?.resource.version, code: c.code,
            display: c.display ?? concept?.display,
            designation: c.designation ?? concept?.designation,
          });
        }
      } else if (!cs || !cs.complete) {
        const external = EXTERNAL_TERMINOLOGIES[system];
        out.unknown.set(system, external
          ? `it includes ${system} (${external}), an external terminology this server does not load`
          : cs ? `CodeSystem ${system} is published as '${cs.resource.content}', not complete` : `CodeSystem ${system} is not held by this server`);
      } else {
        let codes: Set<string> | undefined = new Set(cs.concepts.keys());
        for (const f of inc.filter ?? []) {
          const selected = filterCodes(cs, f.property, f.op, f.value);
          if (!selected) {
            out.unknown.set(system, `the filter ${f.property} ${f.op} ${f.value} on ${system} is not supported`);
            codes = undefined;
            break;
          }
          codes = new Set([...codes].filter((c) => selected.has(c)));
        }
        for (const code of codes ?? []) {
          const concept = cs.concepts.get(code)!;
          out.entries.set(key(system, code), { system, version: cs.resource.version, code, display: concept.display, designation: concept.designation });
        }
      }
    }
    for (const url of inc.valueSet ?? []) {
      const imported = this.valueSet(url);
      if (!imported) throw new OutcomeError(422, [issue('error', 'not-found', `ValueSet ${url}, imported by ${stack[stack.length - 1]}, is not held by this server`)]);
      const part = this.resolve(imported, stack);
      if (inc.system) {
        // A system part and imports together: the codes in both.
        for (const k of [...out.entries.keys()]) if (!part.entries.has(k) && !part.unknown.has(inc.system)) out.entries.delete(k);
        for (const [s, why] of part.unknown) if (s === inc.system) out.unknown.set(s, why);
      } else {
        for (const [k, e] of part.entries) if (!out.entries.has(k)) out.entries.set(k, e);
        for (const [s, why] of part.unknown) out.unknown.set(s, why);
      }
    }
    return out;
  }
}

/** Codes of a held code system selected by one compose filter; undefined for filters not evaluated here. */
export function filterCodes(cs: IndexedCodeSystem, property: string, op: string, value: string): Set<string> | undefined {
  if (property === 'concept' || property === 'code') {
    const code = cs.get(value)?.code ?? value;
    switch (op) {
      case 'is-a': return cs.concepts.has(code) ? new Set([code, ...cs.descendants(code)]) : new Set();
      case 'descendent-of': return cs.descendants(code);
      case 'is-not-a': {
        const excluded = new Set([code, ...cs.descendants(code)]);
        return new Set([...cs.concepts.keys()].filter((c) => !excluded.has(c)));
      }
      case 'generalizes': {
        const out = new Set<string>();
        for (const c of cs.concepts.keys()) if (c === code || cs.descendants(c).has(code)) out.add(c);
        return out;
      }
      case '=': return cs.concepts.has(code) ? new Set([code]) : new Set();
      case 'in': return new Set(value.split(',').map((v) => v.trim()).filter((v) => cs.concepts.has(v)));
      case 'not-in': {
        const excluded = new Set(value.split(',').map((v) => v.trim()));
        return new Set([...cs.concepts.keys()].filter((c) => !excluded.has(c)));
      }
      case 'regex': {
        const re = new RegExp(`^(?:${value})$`);
        return new Set([...cs.concepts.keys()].filter((c) => re.test(c)));
      }
      default: return undefined;
    }
  }
  // A concept property: compare its value as text.
  const valuesOf = (code: string) => cs.concepts.get(code)!.property
    .filter((p) => p.code === property)
    .map((p) => String(Object.entries(p).find(([k]) => k.startsWith('value'))?.[1]));
  const all = [...cs.concepts.keys()];
  switch (op) {
    case '=': return new Set(all.filter((c) => valuesOf(c).includes(value)));
    case 'in': {
      const allowed = new Set(value.split(',').map((v) => v.trim()));
      return new Set(all.filter((c) => valuesOf(c).some((v) => allowed.has(v))));
    }
    case 'exists': return new Set(all.filter((c) => (valuesOf(c).length > 0) === (value === 'true')));
    default: return undefined;
  }
}

function checkDisplay(c: CodingInput, display: string | undefined, allowed: string[]): ValidateResult {
  if (c.display !== undefined && allowed.length && !allowed.includes(c.display)) {
    return { result: false, display, message: `The display '${c.display}' is not a display of code '${c.code}'${display ? `: expected '${display}'` : ''}` };
  }
  return { result: true, ...(display !== undefined ? { display } : {}) };
}

/** A CodeableConcept is valid when one of its codings is; the messages of the others are kept when none is. */
function anyValid(codings: CodingInput[], check: (c: CodingInput) => ValidateResult): ValidateResult {
  const results: ValidateResult[] = [];
  for (const c of codings) {
    if (!c.code) throw badRequest('A coding to validate needs a code', 'code', 'required');
    const r = check(c);
    if (r.result && !r.message) return r;
    results.push(r);
  }
  return results.find((r) => r.result) ?? { result: false, message: results.map((r) => r.message).filter(Boolean).join('; '), display: results.find((r) => r.display)?.display };
}

export type { Subsumption };
