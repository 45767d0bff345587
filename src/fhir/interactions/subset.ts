/**
 * `_summary` and `_elements`: return a subset of each resource, tagged SUBSETTED. Summary elements
 * come from the base R4 StructureDefinitions (isSummary), loaded once, on first use.
 */
import { coreResources } from '../core-definitions';
import type { ParsedSearch } from '../search/types';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'Resource encoded in summary mode' };
let summaryElements: Map<string, Set<string>> | undefined;

function summaryOf(type: string): Set<string> {
  if (!summaryElements) {
    summaryElements = new Map();
    for (const sd of coreResources('profiles-resources.json')) {
      if (sd.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || !sd.snapshot) continue;
      const set = new Set<string>();
      for (const el of sd.snapshot.element) {
        const parts = el.path.split('.');
        if (parts.length === 2 && (el.isSummary || (el.min ?? 0) > 0)) set.add(parts[1].replace('[x]', ''));
      }
      summaryElements.set(sd.type!, set);
    }
  }
  return summaryElements.get(type) ?? new Set();
}

function tag(resource: Record<string, unknown>): void {
  const meta = (resource.meta ?? {}) as { tag?: unknown[] };
  meta.tag = [...(meta.tag ?? []), SUBSETTED];
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
    for (const e of elements ?? []) {
      if (r[e] !== undefined) out[e] = r[e];
      if (r[`_${e}`] !== undefined) out[`_${e}`] = r[`_${e}`];
      for (const k of Object.keys(r)) if (k.startsWith(e) && /^[A-Z]/.test(k.slice(e.length))) out[k] = r[k]; // choice types: value → valueQuantity
    }
  }
  tag(out);
  return JSON.stringify(out);
}
