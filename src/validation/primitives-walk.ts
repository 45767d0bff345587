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

/**
 * A walked instance whose FHIRPath location is spelled out only when asked for (a finding): most
 * instances are valid, and building every element's path string was most of a walk's garbage.
 */
class Walked implements WalkNode {
  private spelled: string | undefined;
  constructor(
    readonly value: unknown,
    readonly type: string,
    readonly resource: Json,
    readonly root: Json,
    readonly def: ElementDef | undefined,
    readonly ext: Json | undefined,
    /** The parent instance and the item's index (−1: not repeating); or, without a parent, the path itself. */
    private readonly parent: WalkNode | undefined,
    private readonly index: number,
    rootPath?: string,
  ) {
    this.spelled = rootPath;
  }

  get path(): string {
    if (this.spelled === undefined) {
      const own = `${this.parent!.path}.${propertyExpression(this.def!, this.type)}`;
      this.spelled = this.index >= 0 ? `${own}[${this.index}]` : own;
    }
    return this.spelled;
  }
}

/** The `_x` companion of a primitive, walked as an Element at the primitive's own location. */
class Companion implements WalkNode {
  readonly type = 'Element';
  constructor(readonly value: Json, private readonly of: WalkNode) {}
  get resource() { return this.of.resource; }
  get root() { return this.of.root; }
  get path() { return this.of.path; }
}

export function walkResource(model: FhirModel, resource: Json, hooks: WalkHooks, basePath?: string, root?: Json): void {
  const type = resource.resourceType;
  if (typeof type !== 'string' || !model.isResourceType(type)) return;
  walkObject(model, new Walked(resource, type, resource, root ?? resource, undefined, undefined, undefined, -1, basePath ?? type), hooks);
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
      const index = def.array ? i : -1;
      const value = isExt ? undefined : items ? items[i] : raw;
      if (primitive) {
        const ext = exts ? exts[i] : extRaw;
        if (value === undefined || value === null) {
          if (!isObject(ext)) continue;
        }
        const child = new Walked(value, type, node.resource, node.root, def, isObject(ext) ? ext : undefined, node, index);
        hooks.visit?.(child);
        if (child.ext) walkObject(model, new Companion(child.ext, child), hooks);
        continue;
      }
      if (!isObject(value)) continue;
      if (type === 'Resource' || model.isResourceType(type)) {
        const rt = value.resourceType;
        if (typeof rt === 'string' && model.isResourceType(rt)) {
          // A nested resource is walked as its own type, at the location of the element holding it.
          const holder = new Walked(value, type, node.resource, node.root, def, undefined, node, index);
          // %rootResource: a contained resource's is its container's; a resource in a Bundle entry or
          // a Parameters part is its own root (as the reference validator evaluates it).
          const root = key === 'contained' ? node.root : value;
          walkObject(model, new Walked(value, rt, value, root, undefined, undefined, undefined, -1, holder.path), hooks);
        }
        continue;
      }
      walkObject(model, new Walked(value, type, node.resource, node.root, def, undefined, node, index), hooks);
    }
  }
}

const NONE: readonly unknown[] = Object.freeze([]);
function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : NONE;
}
