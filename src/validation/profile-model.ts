/**
 * A StructureDefinition snapshot compiled into an element tree the walker can follow key by key:
 * children by JSON name, choice elements by every allowed `<name><Type>` key, slices under their
 * slicing entry, fixed/pattern values and bindings pulled out of their `[x]` spellings, and the
 * profile's own FHIRPath constraints compiled once.
 */
import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from 'fhir/r4';
import { baseTypeInfo, stripVersion } from './definitions';

export interface TypeRef {
  /** FHIR type code (`string`, `Coding`, `Reference`…), with FHIRPath system types mapped back. */
  code: string;
  profiles: string[];
  targetProfiles: string[];
}

export interface Discriminator {
  type: 'value' | 'pattern' | 'exists' | 'type' | 'profile';
  path: string;
}

export interface ConstraintDef {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
}

export interface ElementNode {
  readonly sd: CompiledStructure;
  readonly id: string;
  /** Element path, e.g. `Encounter.participant.type` (shared by a slicing entry and its slices). */
  readonly path: string;
  /** JSON name without `[x]`: `value` for `value[x]`. */
  readonly name: string;
  readonly choice: boolean;
  readonly sliceName?: string;
  /** For a slice: its slicing entry (children fall back to the entry's when the slice has none). */
  readonly sliceOf?: ElementNode;
  readonly min: number;
  readonly max: number;
  /** Whether JSON carries the element as an array (from the base definition's max, not the profile's). */
  readonly isArray: boolean;
  readonly types: TypeRef[];
  readonly contentReference?: string;
  /** The path of the definition the element's content follows: its contentReference's, else its own. */
  readonly defPath: string;
  /**
   * The path of the definition the element was derived from (`base.path`): inside a datatype a
   * generated snapshot expands, `Address.line` for `Patient.address.line` (extension contexts name either).
   */
  readonly basePath?: string;
  readonly fixed?: unknown;
  readonly pattern?: unknown;
  readonly binding?: { strength: string; valueSet?: string };
  /** minValue[x]/maxValue[x]: the type suffix (`Quantity`, `Date`, `Duration`…) and the value. */
  readonly minValue?: { type: string; value: unknown };
  readonly maxValue?: { type: string; value: unknown };
  readonly constraints: ConstraintDef[];
  readonly slicing?: { discriminators: Discriminator[]; rules: 'open' | 'closed' | 'openAtEnd'; ordered: boolean };
  readonly children: Map<string, ElementNode>;
  readonly slices: ElementNode[];
  /** JSON key (`valueQuantity`) → choice child and the type that key stands for. */
  readonly choiceKeys: Map<string, { node: ElementNode; type: string }>;
  /** Choice children, for telling a disallowed `valueString` from an unknown key. */
  readonly choiceChildren: ElementNode[];
}

export interface CompiledStructure {
  readonly url: string;
  readonly type: string;
  readonly kind: string;
  /** True for the R4 specialization (base) definitions; false for profiles and extensions. */
  readonly isBase: boolean;
  readonly root: ElementNode;
  readonly byId: Map<string, ElementNode>;
  readonly contexts: { type: string; expression: string }[];
}

const FHIRPATH_SYSTEM = 'http://hl7.org/fhirpath/System.';
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM_TYPE: Record<string, string> = {
  String: 'string', Boolean: 'boolean', Integer: 'integer', Decimal: 'decimal', Date: 'date', DateTime: 'dateTime', Time: 'time',
};

function typeCode(t: ElementDefinitionType): string {
  if (!t.code.startsWith(FHIRPATH_SYSTEM)) return t.code;
  const declared = t.extension?.find((e) => e.url === FHIR_TYPE_EXT);
  return declared?.valueUrl ?? declared?.valueUri ?? SYSTEM_TYPE[t.code.slice(FHIRPATH_SYSTEM.length)] ?? 'string';
}

/** The value of the first `<prefix>[Type]` key of an element definition (fixed, pattern). */
function prefixed(el: ElementDefinition, prefix: 'fixed' | 'pattern'): unknown {
  for (const k in el) {
    if (k.startsWith(prefix) && k.length > prefix.length && k[prefix.length] >= 'A' && k[prefix.length] <= 'Z') {
      return (el as unknown as Record<string, unknown>)[k];
    }
  }
  return undefined;
}

/** The first `<prefix>[Type]` key of an element definition with its type suffix (minValue, maxValue). */
function prefixedTyped(el: ElementDefinition, prefix: 'minValue' | 'maxValue'): { type: string; value: unknown } | undefined {
  for (const k in el) {
    if (k.startsWith(prefix) && k.length > prefix.length && k[prefix.length] >= 'A' && k[prefix.length] <= 'Z') {
      return { type: k.slice(prefix.length), value: (el as unknown as Record<string, unknown>)[k] };
    }
  }
  return undefined;
}

/** `Patient.extension:race.value[x]` → last segment split into name and slice name. */
function lastSegment(id: string): { parentId: string; name: string; sliceName?: string } {
  // Slice names may contain dots only inside the `:` part; split at the last dot before the last colon-free tail.
  const dot = id.lastIndexOf('.');
  const parentId = dot < 0 ? '' : id.slice(0, dot);
  const seg = dot < 0 ? id : id.slice(dot + 1);
  const colon = seg.indexOf(':');
  return colon < 0 ? { parentId, name: seg } : { parentId, name: seg.slice(0, colon), sliceName: seg.slice(colon + 1) };
}

export function compileStructure(sd: StructureDefinition, isBase: boolean): CompiledStructure {
  const elements = sd.snapshot?.element;
  if (!elements?.length) throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  const { coreConstraints } = baseTypeInfo();
  const byId = new Map<string, ElementNode>();
  const structure = {
    url: sd.url, type: sd.type, kind: sd.kind, isBase,
    byId,
    contexts: (sd.context ?? []).map((c) => ({ type: c.type, expression: c.expression })),
  } as { -readonly [K in keyof CompiledStructure]: CompiledStructure[K] };

  for (const el of elements) {
    const id = el.id ?? el.path;
    const { parentId, name: rawName, sliceName } = lastSegment(id);
    const choice = rawName.endsWith('[x]');
    const name = choice ? rawName.slice(0, -3) : rawName;
    const node: ElementNode = {
      sd: structure, id, path: el.path, name, choice, sliceName,
      min: el.min ?? 0,
      max: el.max === undefined || el.max === '*' ? Infinity : Number(el.max),
      isArray: (el.base?.max ?? el.max) !== '1' && (el.base?.max ?? el.max) !== '0',
      types: (el.type ?? []).map((t) => ({
        code: typeCode(t), profiles: (t.profile ?? []).map(stripVersion), targetProfiles: (t.targetProfile ?? []).map(stripVersion),
      })),
      contentReference: el.contentReference,
      defPath: el.contentReference?.replace(/^.*#/, '') ?? el.path,
      basePath: el.base?.path !== el.path ? el.base?.path : undefined,
      fixed: prefixed(el, 'fixed'),
      pattern: prefixed(el, 'pattern'),
      minValue: prefixedTyped(el, 'minValue'),
      maxValue: prefixedTyped(el, 'maxValue'),
      binding: el.binding ? { strength: el.binding.strength, valueSet: el.binding.valueSet && stripVersion(el.binding.valueSet) } : undefined,
      // Constraints the base definitions carry are the invariant stage's job; we run the profile's own.
      constraints: (el.constraint ?? [])
        .filter((c) => c.expression && !coreConstraints.has(`${c.key}|${c.expression}`))
        .map((c) => ({ key: c.key, severity: c.severity, human: c.human, expression: c.expression! })),
      slicing: el.slicing ? {
        discriminators: (el.slicing.discriminator ?? []).map((d) => ({ type: d.type as Discriminator['type'], path: d.path })),
        rules: el.slicing.rules, ordered: el.slicing.ordered ?? false,
      } : undefined,
      children: new Map(), slices: [], choiceKeys: new Map(), choiceChildren: [],
    };
    byId.set(id, node);
    if (!parentId) {
      structure.root = node;
      continue;
    }
    if (sliceName) {
      // A slice hangs off its slicing entry (same path, no slice name on the last segment).
      const entry = byId.get(`${parentId}.${rawName}`);
      if (entry) {
        (node as { sliceOf?: ElementNode }).sliceOf = entry;
        entry.slices.push(node);
        continue;
      }
    }
    const parent = byId.get(parentId);
    if (!parent) continue; // orphan in a malformed snapshot: nothing to attach it to
    parent.children.set(name, node);
    if (choice) {
      parent.choiceChildren.push(node);
      for (const t of node.types) parent.choiceKeys.set(name + t.code[0].toUpperCase() + t.code.slice(1), { node, type: t.code });
    }
  }
  if (!structure.root) throw new Error(`StructureDefinition ${sd.url} has no root element`);
  return structure;
}
