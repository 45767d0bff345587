/**
 * What rules read: the claim being checked and a bag of every resource the engine gathered for it
 * (the member's sessions, notes, plans, goals, assessments, diagnoses, coverages, other claims,
 * episodes, consents, caregivers; the practitioners, roles and organizations they name; the PRS's
 * supervision meetings and caseload). Building a context from an array of resources is all a test
 * needs: rules are pure over it.
 */
import type { Claim, FhirResource, Reference } from 'fhir/r4';
import type { Jurisdiction } from './engine';
import { literalReferences } from '../fhir/literal-references';
import { memoize } from '../memo';

export interface RuleOptions {
  /** First day of the week for weekly limits, date-fns style: 0 = Sunday, 1 = Monday. */
  weekStartsOn: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  /** Extra non-business days (YYYY-MM-DD) added to the US federal holidays. */
  extraHolidays: string[];
  /** Connecticut: the waiver rate per 15-minute unit, and the procedure codes accepted. */
  ctRate: number;
  ctCodes: string[];
}

export const defaultRuleOptions: RuleOptions = {
  weekStartsOn: 1,
  extraHolidays: [],
  ctRate: 12.33,
  ctCodes: ['H0038'],
};

export interface RuleContext {
  jurisdiction: Jurisdiction;
  claim: Claim;
  data: ResourceBag;
  options: RuleOptions;
  /**
   * Ids of stored claims that do not count toward the claim's limits although they are in the bag:
   * the claims of the same transaction Bundle that come after it in bundle order (each claim counts
   * the lines of the entries before it, never those after).
   */
  notCounted?: readonly string[];
}

type AnyResource = FhirResource & { id?: string };

/**
 * Resources indexed by type and id, with reference resolution. A bag may sit on a `base` bag: it
 * then shows the base's resources with its own added on top (same `Type/id`: its own wins), and
 * never changes the base. The rule engine caches gathered bags across requests (sealed, shared) and
 * gives each request an overlay holding the claim being checked and whatever an operation adds.
 */
export class ResourceBag {
  private readonly byKey = new Map<string, AnyResource>();
  private readonly byType = new Map<string, AnyResource[]>();
  private sealed = false;
  /** Own resources that replace one of the base's (same key): their base copy is hidden. */
  private shadowed = 0;
  /** Per type, the base's list merged with this bag's own (built on first use, dropped on add). */
  private readonly merged = new Map<string, AnyResource[]>();

  constructor(resources: Iterable<AnyResource> = [], private readonly base?: ResourceBag) {
    for (const r of resources) this.add(r);
  }

  /** A bag over this one: what is added to it leaves this one as it is. */
  overlay(resources: Iterable<AnyResource> = []): ResourceBag {
    return new ResourceBag(resources, this);
  }

  /** No more adds: the bag is shared (cached) from now on. */
  seal(): this {
    this.sealed = true;
    return this;
  }

  add(r: AnyResource): void {
    if (!r.id) return;
    if (this.sealed) throw new Error('A sealed (shared) ResourceBag cannot change; add to an overlay');
    this.refIndex.delete(r.resourceType);
    this.merged.delete(r.resourceType);
    this.facts.clear();
    const key = `${r.resourceType}/${r.id}`;
    const previous = this.byKey.get(key);
    if (!previous && this.base?.byKeyDeep(key)) this.shadowed++;
    this.byKey.set(key, r);
    const list = this.byType.get(r.resourceType) ?? [];
    if (previous) list.splice(list.indexOf(previous), 1);
    list.push(r);
    this.byType.set(r.resourceType, list);
  }

  /** Whether this bag itself holds a resource of the same `Type/id` (which hides the base's copy). */
  private holds(r: AnyResource): boolean {
    return this.byKey.has(`${r.resourceType}/${r.id}`);
  }

  private byKeyDeep(key: string): AnyResource | undefined {
    return this.byKey.get(key) ?? this.base?.byKeyDeep(key);
  }

  has(type: string, id: string): boolean {
    return this.byKeyDeep(`${type}/${id}`) !== undefined;
  }

  /** Whether this bag itself (not its base) holds resources of the type. */
  private ownsType(type: string): boolean {
    return (this.byType.get(type)?.length ?? 0) > 0;
  }

  /** All resources of a type, in the order gathered (the base's first, then this bag's own). */
  all<T extends AnyResource = AnyResource>(type: T['resourceType']): T[] {
    const own = this.byType.get(type) ?? [];
    if (!this.base) return own as T[];
    if (!own.length) return this.base.all<T>(type);
    let list = this.merged.get(type);
    if (!list) {
      const inBase = this.base.all(type);
      list = [...(this.shadowed ? inBase.filter((r) => !this.holds(r)) : inBase), ...own];
      this.merged.set(type, list);
    }
    return list as T[];
  }

  /**
   * Resolve a reference (`Type/id`, an absolute URL ending in `Type/id`, or a Reference object).
   * `type`, when given, is required to match.
   */
  resolve<T extends AnyResource = AnyResource>(ref: Reference | string | undefined, type?: T['resourceType']): T | undefined {
    const key = refKey(ref);
    if (!key) return undefined;
    const r = this.byKeyDeep(key);
    if (!r || (type && r.resourceType !== type)) return undefined;
    return r as T;
  }

  get size(): number {
    return this.byKey.size - this.shadowed + (this.base?.size ?? 0);
  }

  /** Every `Type/id` held, the base's included. */
  *keys(): IterableIterator<string> {
    if (this.base) for (const k of this.base.keys()) if (!this.byKey.has(k)) yield k;
    yield* this.byKey.keys();
  }

  /** Per type, target `Type/id` → resources of that type that reference it (built on first use). */
  private readonly refIndex = new Map<string, Map<string, AnyResource[]>>();

  /**
   * Resources of a type that reference any of the targets (`Type/id`) anywhere in them: an index
   * lookup, so rules need not scan every session or note of the bag for each question.
   */
  referencing<T extends AnyResource = AnyResource>(targets: string | string[], type: T['resourceType']): T[] {
    // An overlay with nothing of the type asks its base, whose index is built once and shared.
    if (this.base && !this.ownsType(type)) return this.base.referencing<T>(targets, type);
    let index = this.refIndex.get(type);
    if (!index) {
      index = new Map();
      for (const r of this.all(type)) {
        for (const k of literalReferences(r)) {
          const list = index.get(k);
          if (list) list.push(r);
          else index.set(k, [r]);
        }
      }
      this.refIndex.set(type, index);
    }
    const keys = Array.isArray(targets) ? targets : [targets];
    if (keys.length === 1) return (index.get(keys[0]) ?? []) as T[];
    const out = new Set<AnyResource>();
    for (const k of keys) for (const r of index.get(k) ?? []) out.add(r);
    return [...out] as T[];
  }

  /**
   * A fact computed once per bag and reused by every request that shares it: `compute` must read
   * only the bag and what `key` names (never the claim being checked). An overlay that adds nothing
   * keeps its facts on the base, so requests over one cached gather compute each fact once.
   */
  fact<T>(key: string, compute: () => T): T {
    if (this.base && this.byKey.size === 0) return this.base.fact(key, compute);
    const held = this.facts.get(key);
    if (held !== undefined || this.facts.has(key)) return held as T;
    if (this.facts.size > 10_000) this.facts.clear();
    const v = compute();
    // Shared by every request over the bag: a fact is never changed by whoever reads it.
    if (Array.isArray(v)) Object.freeze(v);
    this.facts.set(key, v);
    return v;
  }
  private readonly facts = new Map<string, unknown>();

  /**
   * Values computed for one claim over this bag (facts.memo), kept on the bag itself rather than in a
   * WeakMap beside it: the engine makes a bag per question, and weak tables cost every young-generation
   * garbage collection. A new claim, or a bag that has grown since, starts afresh.
   */
  memoFor(claim: Claim): Map<string, unknown> {
    const size = this.size;
    if (this.memoClaim !== claim || this.memoSize !== size || !this.memoValues) {
      this.memoClaim = claim;
      this.memoSize = size;
      this.memoValues = new Map();
    }
    return this.memoValues;
  }
  private memoClaim: Claim | undefined;
  private memoSize = -1;
  private memoValues: Map<string, unknown> | undefined;

  /**
   * The resources of a type that `keep` accepts, in bag order, kept per bag under `key` (which must
   * name everything `keep` depends on). An overlay reuses its base's list and only judges its own
   * resources of the type, so a probe that adds one session does not rescan every session.
   */
  filtered<T extends AnyResource = AnyResource>(type: T['resourceType'], key: string, keep: (r: T) => boolean): T[] {
    const k = `filtered|${type}|${key}`;
    if (!this.base) return this.fact(k, () => this.all<T>(type).filter(keep));
    if (!this.ownsType(type)) return this.base.filtered(type, key, keep);
    return this.fact(k, () => {
      const inBase = this.base!.filtered(type, key, keep);
      const added = (this.byType.get(type) as T[]).filter(keep);
      // Nothing of its own passes and nothing it replaces did (it replaces nothing when none of its
      // resources shadows one of the base's): the base's list, the very same array, so what is
      // derived from it (derive below) is shared too.
      if (!added.length && (!this.shadowed || !inBase.some((r) => this.holds(r)))) return inBase;
      return [...(this.shadowed ? inBase.filter((r) => !this.holds(r)) : inBase), ...added];
    });
  }
}

interface Derivations { next: WeakMap<object, Derivations>; values: Map<string, unknown> }
const derivations = new WeakMap<object, Derivations>();
/**
 * A value computed from immutable inputs (lists a bag keeps, which are frozen), once per identity of
 * the inputs: `compute` must read nothing else than the inputs and what `key` names.
 */
export function derive<T>(inputs: readonly object[], key: string, compute: () => T): T {
  let level = derivations;
  let node: Derivations | undefined;
  for (const input of inputs) {
    node = level.get(input);
    if (!node) level.set(input, (node = { next: new WeakMap(), values: new Map() }));
    level = node.next;
  }
  if (!node) return compute();
  if (!node.values.has(key)) {
    const v = compute();
    if (Array.isArray(v)) Object.freeze(v);
    node.values.set(key, v);
  }
  return node.values.get(key) as T;
}

/** `Type/id` for a reference, or undefined (contained `#x`, logical-only and urn references don't resolve). */
export function refKey(ref: Reference | string | undefined): string | undefined {
  const s = typeof ref === 'string' ? ref : ref?.reference;
  if (!s || s.startsWith('#') || s.startsWith('urn:')) return undefined;
  return refKeyOf(s) || undefined;
}
/** Parsed reference strings ('' when not `Type/id`): rules resolve the same few thousand references over and over. */
const refKeyOf = memoize(100_000, (s) => {
  const m = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(s);
  return m ? `${m[1]}/${m[2]}` : '';
});

/** True when the reference points at the resource. */
export function refersTo(ref: Reference | string | undefined, r: AnyResource | undefined): boolean {
  return !!r?.id && refKey(ref) === `${r.resourceType}/${r.id}`;
}
