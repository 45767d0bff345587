/**
 * Test helpers: small StructureDefinitions with real snapshots, derived from the official base
 * snapshot the way a snapshot generator would (copy the base, tighten some elements, add slices),
 * so profile features can be tested without the generated profiles/.
 */
import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { DefinitionRegistry, FHIR_SD } from './definitions';

const core = new DefinitionRegistry();

export interface DeriveOptions {
  url: string;
  /** Base type (`Encounter`) or, for extensions, `Extension`. */
  type: string;
  /** Changes merged into base elements, by element id. */
  change?: Record<string, Partial<ElementDefinition>>;
  /** New elements (slices and their children), appended after the base ones. */
  add?: ElementDefinition[];
  context?: StructureDefinition['context'];
}

export function deriveProfile(opts: DeriveOptions): StructureDefinition {
  const base = core.baseType(opts.type);
  if (!base?.snapshot) throw new Error(`no base definition for ${opts.type}`);
  const element = base.snapshot.element.map((e) => ({ ...e, ...(opts.change?.[e.id ?? e.path] ?? {}) }));
  for (const id of Object.keys(opts.change ?? {})) {
    if (!element.some((e) => e.id === id)) throw new Error(`no element ${id} in ${opts.type}`);
  }
  return {
    resourceType: 'StructureDefinition',
    url: opts.url,
    name: opts.url.slice(opts.url.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9]/g, ''),
    status: 'active',
    kind: base.kind,
    abstract: false,
    type: opts.type,
    baseDefinition: FHIR_SD + opts.type,
    derivation: 'constraint',
    ...(opts.context ? { context: opts.context } : {}),
    snapshot: { element: [...element, ...(opts.add ?? [])] },
  };
}

/** A simple extension: one value type (optionally bound), allowed on the given element paths. */
export function simpleExtension(url: string, valueType: string, contexts: string[], opts: {
  binding?: ElementDefinition['binding']; min?: number; max?: string;
} = {}): StructureDefinition {
  return deriveProfile({
    url, type: 'Extension',
    context: contexts.map((expression) => ({ type: 'element', expression })),
    change: {
      'Extension': { min: opts.min ?? 0, max: opts.max ?? '*' },
      'Extension.extension': { max: '0' },
      'Extension.url': { fixedUri: url },
      'Extension.value[x]': { min: 1, type: [{ code: valueType }], ...(opts.binding ? { binding: opts.binding } : {}) },
    },
  });
}

/** A complex extension whose parts are sub-extensions named by relative url. */
export function complexExtension(url: string, contexts: string[], parts: { name: string; type: string; min?: number; max?: string }[],
  rules: 'open' | 'closed' = 'open'): StructureDefinition {
  const add: ElementDefinition[] = [];
  for (const p of parts) {
    const id = `Extension.extension:${p.name}`;
    add.push(
      { id, path: 'Extension.extension', sliceName: p.name, min: p.min ?? 0, max: p.max ?? '1', type: [{ code: 'Extension' }] },
      { id: `${id}.id`, path: 'Extension.extension.id', min: 0, max: '1', type: [{ code: 'string' }] },
      { id: `${id}.extension`, path: 'Extension.extension.extension', min: 0, max: '0', type: [{ code: 'Extension' }] },
      { id: `${id}.url`, path: 'Extension.extension.url', min: 1, max: '1', type: [{ code: 'uri' }], fixedUri: p.name },
      { id: `${id}.value[x]`, path: 'Extension.extension.value[x]', min: 1, max: '1', type: [{ code: p.type }] },
    );
  }
  return deriveProfile({
    url, type: 'Extension',
    context: contexts.map((expression) => ({ type: 'element', expression })),
    change: {
      'Extension.extension': { slicing: { discriminator: [{ type: 'value', path: 'url' }], rules } },
      'Extension.url': { fixedUri: url },
      'Extension.value[x]': { max: '0' },
    },
    add,
  });
}
