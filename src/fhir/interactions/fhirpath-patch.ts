/**
 * FHIRPath Patch (R4 fhirpatch.html): a Parameters resource whose `operation` parameters each name a
 * `type` (add, insert, delete, replace, move), a FHIRPath `path`, and as the type needs a `name`,
 * `value`, `index`, `source` and `destination`. Paths are evaluated with HL7's fhirpath.js on the R4
 * model; its result nodes carry their parent, property and index, which is where the change lands.
 * Malformed patches are 400; a patch that does not fit the resource (a path matching nothing where
 * something is needed, or several where one is) is 422. The original is never touched.
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { Parameters, ParametersParameter } from 'fhir/r4';
import { badRequest, issue, unprocessable } from '../../outcomes';
import type { Resource } from '../../store/repository';

type Json = Record<string, unknown>;
interface PathNode {
  data: unknown;
  parentResNode: PathNode | null;
  propName: string | null;
  index: number | null;
  fhirNodeDataType?: string;
}

const TYPES = ['add', 'insert', 'delete', 'replace', 'move'] as const;
type OpType = (typeof TYPES)[number];
const PARTS = new Set(['type', 'path', 'name', 'value', 'index', 'source', 'destination']);

const unfit = (n: number, text: string) => unprocessable([issue('error', 'processing', `FHIRPath Patch operation ${n + 1}: ${text}; nothing was changed`)]);

/** A part's value: its value[x], or (for elements without a datatype) an object built from its own parts. */
function valueOf(p: ParametersParameter, where: string): unknown {
  const keys = Object.keys(p).filter((k) => k.startsWith('value') && k.length > 5);
  if (keys.length > 1) throw badRequest(`${where} has more than one value[x]`, where);
  if (keys.length === 1) return (p as unknown as Record<string, unknown>)[keys[0]];
  if (p.resource) return p.resource;
  if (p.part?.length) {
    const out: Json = {};
    p.part.forEach((child, i) => {
      if (typeof child.name !== 'string' || !child.name) throw badRequest(`${where}.part[${i}] has no name`, `${where}.part[${i}]`);
      const v = valueOf(child, `${where}.part[${i}]`);
      out[child.name] = child.name in out ? [...(Array.isArray(out[child.name]) ? (out[child.name] as unknown[]) : [out[child.name]]), v] : v;
    });
    return out;
  }
  throw badRequest(`${where} has no value`, where, 'required');
}

interface PatchOp {
  type: OpType;
  path: string;
  name?: string;
  value?: unknown;
  index?: number;
  source?: number;
  destination?: number;
}

/** The operations of a FHIRPath Patch body; anything malformed is a 400. */
export function parseFhirPathPatch(body: unknown): PatchOp[] {
  const b = body as Parameters | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b) || b.resourceType !== 'Parameters') throw badRequest('A FHIRPath Patch body is a Parameters resource', undefined, 'structure');
  const params = b.parameter ?? [];
  if (params.length === 0) throw badRequest('The FHIRPath Patch has no operation', 'Parameters.parameter', 'required');
  return params.map((p, n) => {
    const at = `Parameters.parameter[${n}]`;
    if (p.name !== 'operation') throw badRequest(`${at}: a FHIRPath Patch takes 'operation' parameters, not '${p.name}'`, at);
    const parts = new Map<string, ParametersParameter>();
    (p.part ?? []).forEach((part, i) => {
      if (!PARTS.has(part.name)) throw badRequest(`${at}.part[${i}]: unknown part '${part.name}'`, `${at}.part[${i}]`);
      if (parts.has(part.name)) throw badRequest(`${at}: part '${part.name}' appears twice`, `${at}.part[${i}]`);
      parts.set(part.name, part);
    });
    const text = (name: string) => {
      const part = parts.get(name);
      if (!part) return undefined;
      const v = part.valueCode ?? part.valueString;
      if (typeof v !== 'string' || !v) throw badRequest(`${at}: part '${name}' must be a non-empty string`, at);
      return v;
    };
    const int = (name: string) => {
      const part = parts.get(name);
      if (!part) return undefined;
      if (!Number.isInteger(part.valueInteger) || part.valueInteger! < 0) throw badRequest(`${at}: part '${name}' must be a non-negative valueInteger`, at);
      return part.valueInteger!;
    };
    const type = text('type');
    if (!type || !(TYPES as readonly string[]).includes(type)) throw badRequest(`${at}: type must be one of ${TYPES.join(', ')}${type ? `, not '${type}'` : ''}`, at, type ? 'invalid' : 'required');
    const path = text('path');
    if (!path) throw badRequest(`${at}: a path is required`, at, 'required');
    const op: PatchOp = { type: type as OpType, path, name: text('name'), index: int('index'), source: int('source'), destination: int('destination') };
    const need = (name: keyof PatchOp, present: boolean) => {
      if (!present) throw badRequest(`${at}: a ${type} operation needs '${name}'`, at, 'required');
    };
    if (type === 'add') need('name', op.name !== undefined);
    if (type === 'insert') need('index', op.index !== undefined);
    if (type === 'move') {
      need('source', op.source !== undefined);
      need('destination', op.destination !== undefined);
    }
    if (type === 'add' || type === 'insert' || type === 'replace') {
      const part = parts.get('value');
      need('value', part !== undefined);
      op.value = valueOf(part!, `${at}.part(value)`);
    }
    return op;
  });
}

function evaluate(resource: Resource, path: string, n: number): PathNode[] {
  try {
    return fhirpath.evaluate(resource as never, path, undefined, r4Model, { resolveInternalTypes: false }) as unknown as PathNode[];
  } catch (e) {
    throw badRequest(`FHIRPath Patch operation ${n + 1}: the path '${path}' is not valid FHIRPath (${(e as Error).message.split('\n')[0]})`, undefined, 'invalid');
  }
}

/** The JSON key of a node in its parent: the property, or for a choice type its typed name (value → valueQuantity). */
function keyOf(parent: Json, node: PathNode): string {
  const prop = node.propName!;
  if (prop in parent) return prop;
  const typed = Object.keys(parent).find((k) => k.startsWith(prop) && /^[A-Z]/.test(k.slice(prop.length)));
  return typed ?? prop;
}

/** Where a node lives: its parent object, key, and index when in an array. */
function locate(node: PathNode, n: number): { parent: Json; key: string; index?: number } {
  const parent = node.parentResNode?.data;
  if (!node.propName || !parent || typeof parent !== 'object') throw unfit(n, 'the path names the resource itself, not an element of it');
  const key = keyOf(parent as Json, node);
  const value = (parent as Json)[key];
  return { parent: parent as Json, key, index: Array.isArray(value) ? (node.index ?? 0) : undefined };
}

/** Removes an entry of an array (and of its `_` sibling), dropping the property when it empties. */
function removeAt(parent: Json, key: string, index: number | undefined): void {
  if (index === undefined) {
    delete parent[key];
    delete parent[`_${key}`];
    return;
  }
  (parent[key] as unknown[]).splice(index, 1);
  if (Array.isArray(parent[`_${key}`])) (parent[`_${key}`] as unknown[]).splice(index, 1);
  if ((parent[key] as unknown[]).length === 0) {
    delete parent[key];
    delete parent[`_${key}`];
  }
}

/** The list a path names (insert, move): its parent and key, found through its members or, when empty, through the path's last step. */
function listAt(resource: Resource, path: string, n: number): { parent: Json; key: string; list: unknown[] } {
  const nodes = evaluate(resource, path, n);
  if (nodes.length) {
    const { parent, key } = locate(nodes[0], n);
    if (nodes.some((x) => x.parentResNode?.data !== parent)) throw unfit(n, `the path '${path}' matches elements of more than one list`);
    if (!Array.isArray(parent[key])) throw unfit(n, `the path '${path}' does not name a list`);
    return { parent, key, list: parent[key] as unknown[] };
  }
  const m = /^(.*)\.([A-Za-z][A-Za-z0-9]*)$/.exec(path);
  const containers = m ? evaluate(resource, m[1], n) : [];
  if (containers.length !== 1 || typeof containers[0].data !== 'object' || containers[0].data === null) throw unfit(n, `the path '${path}' matches no list to insert into`);
  const parent = containers[0].data as Json;
  parent[m![2]] = [];
  return { parent, key: m![2], list: parent[m![2]] as unknown[] };
}

/** Apply a FHIRPath Patch to a copy of the resource. */
export function applyFhirPathPatch(current: Resource, body: unknown): Resource {
  const ops = parseFhirPathPatch(body);
  const doc = structuredClone(current);
  ops.forEach((op, n) => {
    switch (op.type) {
      case 'add': {
        const nodes = evaluate(doc, op.path, n);
        if (nodes.length !== 1 || typeof nodes[0].data !== 'object' || nodes[0].data === null || Array.isArray(nodes[0].data)) {
          throw unfit(n, `add needs the path '${op.path}' to match exactly one element, not ${nodes.length}`);
        }
        const container = nodes[0].data as Json;
        const existing = container[op.name!];
        if (Array.isArray(existing)) existing.push(structuredClone(op.value));
        else if (existing === undefined) container[op.name!] = isListProperty(nodes[0], op.name!) ? [structuredClone(op.value)] : structuredClone(op.value);
        else throw unfit(n, `'${op.name}' already has a value at '${op.path}'; use replace`);
        break;
      }
      case 'insert': {
        const { list } = listAt(doc, op.path, n);
        if (op.index! > list.length) throw unfit(n, `index ${op.index} is beyond the end of the list (${list.length})`);
        list.splice(op.index!, 0, structuredClone(op.value));
        break;
      }
      case 'delete': {
        const nodes = evaluate(doc, op.path, n);
        if (nodes.length > 1) throw unfit(n, `delete needs the path '${op.path}' to match at most one element, not ${nodes.length}`);
        if (nodes.length === 1) {
          const { parent, key, index } = locate(nodes[0], n);
          removeAt(parent, key, index);
        }
        break;
      }
      case 'replace': {
        const nodes = evaluate(doc, op.path, n);
        if (nodes.length !== 1) throw unfit(n, `replace needs the path '${op.path}' to match exactly one element, not ${nodes.length}`);
        const { parent, key, index } = locate(nodes[0], n);
        if (index === undefined) parent[key] = structuredClone(op.value);
        else (parent[key] as unknown[])[index] = structuredClone(op.value);
        break;
      }
      case 'move': {
        const { list } = listAt(doc, op.path, n);
        if (op.source! >= list.length || op.destination! >= list.length) throw unfit(n, `source ${op.source} and destination ${op.destination} must be within the list (${list.length})`);
        const [item] = list.splice(op.source!, 1);
        list.splice(op.destination!, 0, item);
        break;
      }
    }
  });
  if (doc.resourceType !== current.resourceType || doc.id !== current.id) throw unprocessable([issue('error', 'processing', 'A patch may not change resourceType or id')]);
  return doc;
}

/** Whether `name` under this element repeats in the R4 model (so `add` starts a list). */
function isListProperty(node: PathNode & { path?: string | null }, name: string): boolean {
  const model = r4Model as unknown as { path2Repeating: Record<string, boolean>; pathsDefinedElsewhere: Record<string, string> };
  const path = node.path ?? '';
  return model.path2Repeating[`${model.pathsDefinedElsewhere[path] ?? path}.${name}`] === true;
}
