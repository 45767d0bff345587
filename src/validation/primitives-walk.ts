/**
 * Walks a resource's JSON with the element model, visiting every element instance with its concrete
 * FHIR type and its FHIRPath location. Nested resources (contained, Bundle.entry.resource,
 * Parameters.parameter.resource) are walked with their own type and remembered as the enclosing
 * `resource` for %resource.
 */
import type { Container, ElementDef, FhirModel } from './primitives-model';

export type Json = Record<string, unknown>;

export interface WalkNode {
  /** The JSON value: an object for complex types and resources, a string/number/boolean for primitives. */
  value: unknown;
  /** For primitives: the `_name` sibling (id/extension), if any. */
  ext?: Json;
  /** Concrete FHIR type code of this instance ('Period', 'dateTime', 'Patient'…). */
  type: string;
  /** The element definition; undefined at a resource root. */
  def?: ElementDef;
  /** FHIRPath expression locating the instance, e.g. 'Patient.contact[0].name'. */
  path: string;
  /** The nearest enclosing resource (the node itself at a resource root). */
  resource: Json;
  /** The outermost resource. */
  root: Json;
}

export interface WalkHooks {
  /** Every element instance, resource roots included, parents before children. */
  visit?(node: WalkNode): void;
  /** The object of a complex element or resource, with the child elements it may have. */
  object?(node: WalkNode, obj: Json, container: Container): void;
}

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** FHIRPath name of a property: choice variants are written `value.ofType(Quantity)`, `value.ofType(dateTime)` (FHIR type names). */
export function propertyExpression(def: ElementDef, type: string): string {
  return def.choice ? `${def.name}.ofType(${type})` : def.name;
}

export function walkResource(model: FhirModel, resource: Json, hooks: WalkHooks, basePath?: string, root?: Json): void {
  const type = resource.resourceType;
  if (typeof type !== 'string' || !model.isResourceType(type)) return;
  const path = basePath ?? type;
  const node: WalkNode = { value: resource, type, path, resource, root: root ?? resource };
  walkObject(model, node, hooks);
}

function walkObject(model: FhirModel, node: WalkNode, hooks: WalkHooks): void {
  hooks.visit?.(node);
  const obj = node.value as Json;
  const container = model.childrenOf(node.def, node.type);
  if (!container) return;
  hooks.object?.(node, obj, container);
  for (const key of Object.keys(obj)) {
    if (key === 'resourceType' && node.def === undefined) continue;
    const isExt = key.charCodeAt(0) === 95; /* '_' */
    const prop = container.props.get(isExt ? key.slice(1) : key);
    if (!prop) continue; // unknown properties are the structure stage's finding
    const { def, type } = prop;
    const childPath = `${node.path}.${propertyExpression(def, type)}`;
    const raw = obj[key];
    const primitive = model.isPrimitive(type);
    if (isExt) {
      // `_x` siblings are walked with their primitive (below) unless the primitive itself is absent.
      if (!primitive || (key.slice(1) in obj)) continue;
    }
    // A repeating element is walked item by item; a single one is its own only item (no arrays made).
    const items = def.array ? asArray(raw) : undefined;
    const extRaw = primitive ? obj[isExt ? key : `_${key}`] : undefined;
    const exts = primitive && def.array ? asArray(extRaw) : undefined;
    const count = def.array ? (isExt ? exts! : items!).length : primitive || !isExt ? 1 : 0;
    for (let i = 0; i < count; i++) {
      const p = def.array ? `${childPath}[${i}]` : childPath;
      const value = isExt ? undefined : items ? items[i] : raw;
      if (primitive) {
        const ext = exts ? exts[i] : extRaw;
        if (value === undefined || value === null) {
          if (!isObject(ext)) continue;
        }
        const child: WalkNode = { value, ext: isObject(ext) ? ext : undefined, type, def, path: p, resource: node.resource, root: node.root };
        hooks.visit?.(child);
        if (child.ext) walkObject(model, { value: child.ext, type: 'Element', path: p, resource: node.resource, root: node.root }, hooks);
        continue;
      }
      if (!isObject(value)) continue;
      if (type === 'Resource' || model.isResourceType(type)) {
        const rt = value.resourceType;
        if (typeof rt === 'string' && model.isResourceType(rt)) {
          walkObject(model, { value, type: rt, path: p, resource: value, root: node.root }, hooks);
        }
        continue;
      }
      walkObject(model, { value, type, def, path: p, resource: node.resource, root: node.root }, hooks);
    }
  }
}

const NONE: readonly unknown[] = Object.freeze([]);
function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : NONE;
}
