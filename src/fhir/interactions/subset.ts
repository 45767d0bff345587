/**
 * `_summary` and `_elements`: return a subset of each resource, tagged SUBSETTED. Summary elements
 * come from the base R4 StructureDefinitions (isSummary), loaded once, on first use.
 */
import { coreResources } from '../core-definitions';
import type { ParsedSearch } from '../search/types';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'Resource encoded in summary mode' };
let summaryElements: Map<string, Set<string>> | undefined;
let requiredElements: Map<string, Set<string>> | undefined;

function load(): void {
  summaryElements = new Map();
  requiredElements = new Map();
  for (const sd of coreResources('profiles-resources.json')) {
    if (sd.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || !sd.snapshot) continue;
    const summary = new Set<string>();
    const required = new Set<string>();
    for (const el of sd.snapshot.element) {
      const parts = el.path.split('.');
      if (parts.length !== 2) continue;
      const name = parts[1].replace('[x]', '');
      if (el.isSummary || (el.min ?? 0) > 0) summary.add(name);
      if ((el.min ?? 0) > 0) required.add(name);
    }
    summaryElements.set(sd.type!, summary);
    requiredElements.set(sd.type!, required);
  }
}

function summaryOf(type: string): Set<string> {
  if (!summaryElements) load();
  return summaryElements!.get(type) ?? new Set();
}

/** Top-level elements of a resource type that base R4 makes mandatory (min ≥ 1), e.g. CarePlan status, intent, subject. */
export function mandatoryElements(type: string): ReadonlySet<string> {
  if (!requiredElements) load();
  return requiredElements!.get(type) ?? new Set();
}

/** Copy element `e` of `r` into `out`: the value, its primitive extension `_e`, and the choice forms (value → valueQuantity). */
function copyElement(r: Record<string, unknown>, out: Record<string, unknown>, e: string): void {
  if (r[e] !== undefined) out[e] = r[e];
  if (r[`_${e}`] !== undefined) out[`_${e}`] = r[`_${e}`];
  for (const k of Object.keys(r)) if (k.startsWith(e) && /^[A-Z]/.test(k.slice(e.length))) out[k] = r[k];
}

/**
 * Bulk `_elements`: only `elements` (plus id, meta and the mandatory elements), tagged SUBSETTED.
 * Returns the JSON unchanged when no element is named.
 */
export function elementsSubsetJson(json: string, elements: readonly string[]): string {
  if (!elements.length) return json;
  const r = JSON.parse(json) as Record<string, unknown>;
  const type = r.resourceType as string;
  const out: Record<string, unknown> = { resourceType: type, id: r.id, meta: r.meta };
  for (const e of [...mandatoryElements(type), ...elements]) copyElement(r, out, e);
  // Not in summary mode: the code alone (Bulk Data clients look for exactly this system and code).
  tag(out, { system: SUBSETTED.system, code: SUBSETTED.code });
  return JSON.stringify(out);
}

function tag(resource: Record<string, unknown>, coding: object = SUBSETTED): void {
  const meta = (resource.meta ?? {}) as { tag?: unknown[] };
  meta.tag = [...(meta.tag ?? []), coding];
  resource.meta = meta;
}

export function subsetJson(json: string, parsed: Pick<ParsedSearch, 'summary' | 'elements'>): string {
  const { summary, elements } = parsed;
  if ((!summary || summary === 'false') && !elements?.length) return json;
  const r = JSON.parse(json) as Record<string, unknown>;
  const type = r.resourceType as string;
  let out: Record<string, unknown>;
  if (summary === 'text') {
    out = { resourceType: type, id: r.id, meta: r.meta, text: r.text };
    for (const k of summaryOf(type)) if (r[k] !== undefined && k !== 'text') out[k] = r[k];
  } else if (summary === 'data') {
    out = { ...r };
    delete out.text;
  } else if (summary === 'true') {
    out = { resourceType: type, id: r.id, meta: r.meta };
    for (const [k, v] of Object.entries(r)) {
      const base = k.startsWith('_') ? k.slice(1) : k;
      if ([...summaryOf(type)].some((s) => base === s || base.startsWith(s))) out[k] = v;
    }
  } else {
    out = { resourceType: type, id: r.id, meta: r.meta };
    for (const e of elements ?? []) copyElement(r, out, e);
  }
  tag(out);
  return JSON.stringify(out);
}
