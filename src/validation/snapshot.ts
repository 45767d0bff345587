/**
 * Snapshot generation for differential-only StructureDefinitions, as the reference validator does
 * before it validates against one: start from the base definition's snapshot (generated first when
 * the base is differential-only too: profiles of profiles, derived extensions), then apply each
 * differential element in order —
 *
 * - an element the snapshot has: the differential's properties override (constraints add up);
 * - a slice (`X.y:name`): a copy of its slicing entry with its descendants, then the differential;
 * - an element inside a datatype the snapshot does not expand (`Observation.code.coding`,
 *   `Patient.address:home.line`): the datatype's (or its profile's) elements are expanded under
 *   the parent first;
 * - a choice element named for one type (`value[x]:valueQuantity`, `valueQuantity`) applies to the
 *   choice element.
 *
 * A differential element that names nothing in the base is an error (SnapshotError), so callers can
 * reject the definition (422 on write) or report it cannot be checked.
 */
import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { FHIR_SD, stripVersion } from './definitions';

export class SnapshotError extends Error {}
/** The base definition cannot be found: nothing can be said about the differential. */
export class UnknownBaseError extends SnapshotError {}

type Resolve = (url: string) => StructureDefinition | undefined;

const MAX_DEPTH = 20;

/** The snapshot elements of `sd`: its own when it has them, else generated from its base. */
/** A differential element the generator could not apply: its index in differential.element and why. */
export interface SnapshotProblem {
  element: number;
  message: string;
}

export function snapshotOf(sd: StructureDefinition, resolve: Resolve, seen: string[] = [], problems?: SnapshotProblem[]): ElementDefinition[] {
  if (sd.snapshot?.element?.length) return sd.snapshot.element;
  return generateSnapshot(sd, resolve, seen, problems);
}

/**
 * Generates the snapshot. A differential element that names nothing in the base is skipped and
 * described in `problems` when given (the reference validator generates the rest and validates
 * with it); without `problems` it throws, for callers that must reject such a definition.
 */
export function generateSnapshot(sd: StructureDefinition, resolve: Resolve, seen: string[] = [], problems?: SnapshotProblem[]): ElementDefinition[] {
  if (!sd.baseDefinition) throw new SnapshotError(`${sd.url} has no snapshot and no baseDefinition to generate one from`);
  const baseUrl = stripVersion(sd.baseDefinition);
  if (seen.includes(baseUrl) || baseUrl === sd.url || seen.length > MAX_DEPTH) {
    // The reference validator reports a cycle as a base it cannot find.
    throw new UnknownBaseError(`${sd.url} derives from itself (${[...seen, sd.url, baseUrl].join(' → ')})`);
  }
  const base = resolve(baseUrl);
  if (!base) throw new UnknownBaseError(`${sd.url}: its base ${baseUrl} is unknown`);
  const builder = new Builder(snapshotOf(base, resolve, [...seen, sd.url], problems), resolve, [...seen, sd.url]);
  // Problems of a generated base are the base's, not this definition's.
  const own = problems && seen.length === 0 ? problems : undefined;
  (sd.differential?.element ?? []).forEach((d, element) => {
    try {
      builder.apply(d, sd.url);
    } catch (e) {
      if (!problems || !(e instanceof SnapshotError)) throw e;
      own?.push({ element, message: e.message });
    }
  });
  return builder.elements;
}

class Builder {
  readonly elements: ElementDefinition[];

  constructor(base: ElementDefinition[], private readonly resolve: Resolve, private readonly seen: string[]) {
    this.elements = base.map((e) => structuredClone(e));
  }

  apply(diff: ElementDefinition, url: string) {
    const id = this.normalizeId(diff);
    const target = this.ensure(id, url);
    for (const k of Object.keys(diff)) {
      // A value the base fixes cannot be fixed to another value by a derived definition.
      if (!k.startsWith('fixed')) continue;
      const was = (target as unknown as Record<string, unknown>)[k];
      const now = (diff as unknown as Record<string, unknown>)[k];
      if (was !== undefined && JSON.stringify(was) !== JSON.stringify(now)) {
        throw new SnapshotError(`${url}: ${id} is fixed to ${JSON.stringify(now)} but its base fixes it to ${JSON.stringify(was)}`);
      }
    }
    const merged = merge(target, diff);
    merged.id = id;
    this.elements[this.elements.indexOf(target)] = merged;
  }

  /**
   * The element id the differential element stands for: its id (or its path with the slice name),
   * with choice elements named for one type (`valueQuantity`, `value[x]:valueQuantity`) mapped to
   * the choice element itself.
   */
  private normalizeId(d: ElementDefinition): string {
    let id = d.id;
    if (!id) {
      id = d.path;
      if (d.sliceName) id = `${id}:${d.sliceName}`;
    }
    const segs = splitId(id);
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      const m = /^([a-z][A-Za-z0-9]*)\[x\]:(.+)$/.exec(s);
      if (m && m[2].startsWith(m[1]) && /^[A-Z]/.test(m[2].slice(m[1].length))) {
        segs[i] = `${m[1]}[x]`;
        continue;
      }
      if (s.includes(':') || s.endsWith('[x]') || i === 0) continue;
      // `valueQuantity` where the snapshot has `value[x]`
      const prefix = segs.slice(0, i).join('.');
      if (!this.find(`${prefix}.${s}`)) {
        const choice = this.elements.find((e) => {
          const last = e.id ? splitId(e.id) : [];
          return e.id?.startsWith(`${prefix}.`) && last.length === i + 1 && last[i].endsWith('[x]') && s.startsWith(last[i].slice(0, -3))
            && /^[A-Z]/.test(s.slice(last[i].length - 3));
        });
        if (choice) segs[i] = splitId(choice.id!)[i];
      }
    }
    return segs.join('.');
  }

  private find(id: string): ElementDefinition | undefined {
    return this.elements.find((e) => (e.id ?? e.path) === id);
  }

  /** The element with this id, creating it (and its parents) from the slicing entry or the datatype. */
  private ensure(id: string, url: string): ElementDefinition {
    const hit = this.find(id);
    if (hit) return hit;
    const segs = splitId(id);
    if (segs.length < 2) throw new SnapshotError(`${url}: differential element ${id} is not in the base definition`);
    const last = segs[segs.length - 1];
    const parentId = segs.slice(0, -1).join('.');
    const colon = last.indexOf(':');
    if (colon >= 0) {
      // A new slice: a copy of the slicing entry and its descendants under the slice's id.
      const entryId = `${parentId ? `${parentId}.` : ''}${last.slice(0, colon)}`;
      const entry = this.ensure(entryId, url);
      const sliceName = last.slice(colon + 1);
      const copies = this.subtree(entryId).map((e) => {
        const c = structuredClone(e);
        c.id = id + (e.id ?? e.path).slice(entryId.length);
        return c;
      });
      const root = copies[0];
      root.id = id;
      root.sliceName = sliceName.includes('/') ? sliceName.slice(sliceName.lastIndexOf('/') + 1) : sliceName;
      delete root.slicing;
      // A slice of an element without slicing (core itself publishes some) is kept as a named constraint.
      void entry;
      this.insertAfter(this.lastOf(entryId), copies);
      return root;
    }
    const parent = this.ensure(parentId, url);
    const children = this.elements.filter((e) => (e.id ?? '').startsWith(`${parentId}.`));
    if (children.length === 0) {
      if (parent.contentReference) this.expandReference(parent, parentId, url);
      else this.expandType(parent, parentId, url);
    }
    const created = this.find(id);
    if (!created) throw new SnapshotError(`${url}: differential element ${id} is not in the base definition (no element '${last}' in ${parentId})`);
    return created;
  }

  /** A recursive element (`contentReference: #Parameters.parameter`) expanded with the children of the element it refers to. */
  private expandReference(parent: ElementDefinition, parentId: string, url: string) {
    const ref = parent.contentReference!.slice(parent.contentReference!.indexOf('#') + 1);
    const source = this.elements.filter((e) => (e.id ?? e.path).startsWith(`${ref}.`) && !(e.id ?? '').slice(ref.length).includes(':'));
    if (!source.length) throw new SnapshotError(`${url}: cannot expand ${parentId}: ${parent.contentReference} has no children`);
    const copies = source.map((e) => {
      const c = structuredClone(e);
      c.id = parentId + (e.id ?? e.path).slice(ref.length);
      c.path = parent.path + e.path.slice(ref.length);
      return c;
    });
    delete parent.contentReference;
    if (!parent.type) parent.type = [{ code: 'BackboneElement' }];
    this.insertAfter(this.elements.indexOf(parent), copies);
  }

  /** The datatype of `parent` expanded under it (from the type's profile when it names one). */
  private expandType(parent: ElementDefinition, parentId: string, url: string) {
    const types = parent.type ?? [];
    if (types.length !== 1) {
      throw new SnapshotError(`${url}: cannot expand ${parentId}: it has ${types.length === 0 ? 'no type' : 'several types'}`);
    }
    const t = types[0];
    const typeUrl = t.code === 'Extension' || !t.profile?.length ? FHIR_SD + t.code : t.profile[0];
    const typeSd = this.resolve(stripVersion(typeUrl)) ?? this.resolve(FHIR_SD + t.code);
    if (!typeSd) throw new SnapshotError(`${url}: cannot expand ${parentId}: type ${t.code} is unknown`);
    const elements = snapshotOf(typeSd, this.resolve, this.seen);
    const rootId = elements[0]?.id ?? elements[0]?.path;
    if (!rootId) return;
    const copies = elements.slice(1).map((e) => {
      const c = structuredClone(e);
      const eid = e.id ?? e.path;
      c.id = parentId + eid.slice(rootId.length);
      c.path = parent.path + e.path.slice(elements[0].path.length);
      return c;
    });
    this.insertAfter(this.elements.indexOf(parent), copies);
  }

  /** The element and its descendants (including its slices' descendants), in order. */
  private subtree(id: string): ElementDefinition[] {
    return this.elements.filter((e) => {
      const eid = e.id ?? e.path;
      return eid === id || eid.startsWith(`${id}.`);
    });
  }

  /** Index of the last element belonging to `id` (itself, its descendants, its slices). */
  private lastOf(id: string): number {
    let last = -1;
    this.elements.forEach((e, i) => {
      const eid = e.id ?? e.path;
      if (eid === id || eid.startsWith(`${id}.`) || eid.startsWith(`${id}:`)) last = i;
    });
    return last;
  }

  private insertAfter(index: number, items: ElementDefinition[]) {
    this.elements.splice(index + 1, 0, ...items);
  }
}

/** Splits an element id at the dots that separate elements (slice names may contain dots). */
function splitId(id: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inSlice = false;
  for (const ch of id) {
    if (ch === ':') inSlice = true;
    if (ch === '.' && !inSlice) {
      out.push(cur);
      cur = '';
      continue;
    }
    if (ch === '.' && inSlice) {
      // A dot after a slice name ends the slice name unless the next char continues the name; slice
      // names are tokens, so treat the dot as a separator.
      out.push(cur);
      cur = '';
      inSlice = false;
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

const CHOICE_PREFIXES = ['fixed', 'pattern', 'defaultValue', 'minValue', 'maxValue'];

/** The differential's properties over the base element's; constraints are added, not replaced. */
function merge(base: ElementDefinition, diff: ElementDefinition): ElementDefinition {
  const out = { ...base } as Record<string, unknown>;
  const d = diff as unknown as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (k === 'id' || k === 'path') continue;
    const prefix = CHOICE_PREFIXES.find((p) => k.startsWith(p) && k.length > p.length && /[A-Z]/.test(k[p.length]));
    if (prefix) for (const bk of Object.keys(out)) if (bk.startsWith(prefix) && /[A-Z]/.test(bk[prefix.length] ?? '')) delete out[bk];
    if (k === 'constraint') {
      const have = base.constraint ?? [];
      const added = (diff.constraint ?? []).filter((c) => !have.some((h) => h.key === c.key));
      out.constraint = [...have.map((h) => diff.constraint?.find((c) => c.key === h.key) ?? h), ...added];
    } else {
      out[k] = d[k];
    }
  }
  return out as unknown as ElementDefinition;
}
