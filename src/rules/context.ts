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
}

type AnyResource = FhirResource & { id?: string };

/** Resources indexed by type and id, with reference resolution. */
export class ResourceBag {
  private readonly byKey = new Map<string, AnyResource>();
  private readonly byType = new Map<string, AnyResource[]>();

  constructor(resources: Iterable<AnyResource> = []) {
    for (const r of resources) this.add(r);
  }

  add(r: AnyResource): void {
    if (!r.id) return;
    this.refIndex.delete(r.resourceType);
    const key = `${r.resourceType}/${r.id}`;
    const previous = this.byKey.get(key);
    this.byKey.set(key, r);
    const list = this.byType.get(r.resourceType) ?? [];
    if (previous) list.splice(list.indexOf(previous), 1);
    list.push(r);
    this.byType.set(r.resourceType, list);
  }

  has(type: string, id: string): boolean {
    return this.byKey.has(`${type}/${id}`);
  }

  /** All resources of a type, in the order gathered. */
  all<T extends AnyResource = AnyResource>(type: T['resourceType']): T[] {
    return (this.byType.get(type) ?? []) as T[];
  }

  /**
   * Resolve a reference (`Type/id`, an absolute URL ending in `Type/id`, or a Reference object).
   * `type`, when given, is required to match.
   */
  resolve<T extends AnyResource = AnyResource>(ref: Reference | string | undefined, type?: T['resourceType']): T | undefined {
    const key = refKey(ref);
    if (!key) return undefined;
    const r = this.byKey.get(key);
    if (!r || (type && r.resourceType !== type)) return undefined;
    return r as T;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Per type, target `Type/id` → resources of that type that reference it (built on first use). */
  private readonly refIndex = new Map<string, Map<string, AnyResource[]>>();

  /**
   * Resources of a type that reference any of the targets (`Type/id`) anywhere in them: an index
   * lookup, so rules need not scan every session or note of the bag for each question.
   */
  referencing<T extends AnyResource = AnyResource>(targets: string | string[], type: T['resourceType']): T[] {
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
}

/** `Type/id` for a reference, or undefined (contained `#x`, logical-only and urn references don't resolve). */
export function refKey(ref: Reference | string | undefined): string | undefined {
  const s = typeof ref === 'string' ? ref : ref?.reference;
  if (!s || s.startsWith('#') || s.startsWith('urn:')) return undefined;
  let key = refKeys.get(s);
  if (key === undefined) {
    const m = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(s);
    key = m ? `${m[1]}/${m[2]}` : '';
    if (refKeys.size > 100_000) refKeys.clear();
    refKeys.set(s, key);
  }
  return key || undefined;
}
/** Parsed reference strings: rules resolve the same few thousand references over and over. */
const refKeys = new Map<string, string>();

/** True when the reference points at the resource. */
export function refersTo(ref: Reference | string | undefined, r: AnyResource | undefined): boolean {
  return !!r?.id && refKey(ref) === `${r.resourceType}/${r.id}`;
}
