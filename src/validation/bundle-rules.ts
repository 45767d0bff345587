/**
 * The reference validator's Bundle rules beyond the base invariants:
 *
 * - `entry.fullUrl` is an absolute URL, and a RESTful one (`[base]/[type]/[id]`) names the entry
 *   resource's own type and id;
 * - no two entries share a fullUrl, unless they are versions of one resource (history, or distinct
 *   `meta.versionId`);
 * - a searchset's links each appear at most once, and `search.mode = outcome` is only for an
 *   OperationOutcome;
 * - inside document Bundles, references in the entries resolve to an entry (relative ones against
 *   the referring entry's base, as the reference validator resolves them; in messages an unresolved
 *   relative reference is a warning: the receiver may hold it); inside
 *   transactions and batches, `urn:` references resolve to an entry; anywhere, a reference that
 *   matches several entries is ambiguous.
 *
 * The entries' own content is validated where it stands; this module only holds the Bundle's view.
 */
import type { OperationOutcomeIssue } from 'fhir/r4';

type Json = Record<string, unknown>;
type Report = (severity: OperationOutcomeIssue['severity'], code: OperationOutcomeIssue['code'], path: string, rule: string, text: string) => void;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
const RESTFUL = /^(https?:\/\/.+\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** What references inside a Bundle can resolve to, built once per Bundle. */
export interface BundleIndex {
  type: string;
  /** fullUrl (without `/_history/…`) → entry resources with it. */
  byUrl: Map<string, Json[]>;
  /** `Type/id` → entry resources. */
  byTypeId: Map<string, Json[]>;
  /** entry resource → its entry's fullUrl. */
  fullUrlOf: Map<Json, string>;
}

const withoutHistory = (url: string) => url.replace(/\/_history\/[^/]+$/, '');

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function indexBundle(bundle: Json): BundleIndex {
  const index: BundleIndex = { type: String(bundle.type ?? ''), byUrl: new Map(), byTypeId: new Map(), fullUrlOf: new Map() };
  for (const e of Array.isArray(bundle.entry) ? bundle.entry : []) {
    if (!isObject(e) || !isObject(e.resource) || typeof e.resource.resourceType !== 'string') continue;
    const r = e.resource;
    if (typeof e.fullUrl === 'string') {
      push(index.byUrl, withoutHistory(e.fullUrl), r);
      index.fullUrlOf.set(r, e.fullUrl);
    }
    if (typeof r.id === 'string') push(index.byTypeId, `${r.resourceType}/${r.id}`, r);
  }
  return index;
}

/** The entry resources a reference resolves to from an entry (none, one, or several: ambiguous). */
export function resolveInBundle(index: BundleIndex, reference: string, fromFullUrl: string | undefined): Json[] {
  const ref = withoutHistory(reference);
  if (ABSOLUTE.test(ref)) return index.byUrl.get(ref) ?? [];
  const rel = RELATIVE.exec(reference);
  if (!rel) return [];
  const base = fromFullUrl ? RESTFUL.exec(fromFullUrl)?.[1] : undefined;
  if (base) {
    const hit = index.byUrl.get(base + ref);
    if (hit) return hit;
  }
  return index.byTypeId.get(ref) ?? [];
}

function distinctResources(index: BundleIndex, list: Json[]): number {
  // Versions of one resource (one fullUrl, as in history Bundles) are one target.
  return new Set(list.map((r) => {
    const url = index.fullUrlOf.get(r);
    return url === undefined ? r : withoutHistory(url);
  })).size;
}

/** A reference found inside an entry of the Bundle, judged by the Bundle's type. */
export function checkBundleReference(index: BundleIndex, reference: string, fromFullUrl: string | undefined, path: string, report: Report) {
  if (reference.startsWith('#')) return;
  const t = index.type;
  const internal = t === 'document' || t === 'message';
  const placeholders = t === 'transaction' || t === 'batch';
  const isUrn = reference.startsWith('urn:');
  const relative = RELATIVE.test(reference);
  if (!internal && !placeholders && !relative && !isUrn) return;
  const found = resolveInBundle(index, reference, fromFullUrl);
  if (distinctResources(index, found) > 1) {
    report('error', 'invalid', path, 'bundle-ref-ambiguous', `${path}: the reference '${reference}' matches more than one entry of the Bundle (ambiguous)`);
    return;
  }
  if (found.length > 0) return;
  if ((internal && (relative || isUrn)) || (placeholders && isUrn)) {
    // A message may refer to what the receiver already holds; a document and a transaction's
    // placeholders must be complete.
    const severity = t === 'message' && !isUrn ? 'warning' : 'error';
    report(severity, 'not-found', path, 'bundle-ref-missing',
      `${path}: the reference '${reference}' does not resolve to an entry of this ${t} Bundle`);
  }
}

/** The Bundle-level rules (fullUrls, duplicates, searchset links and search modes). */
export function checkBundle(bundle: Json, path: string, report: Report) {
  const type = String(bundle.type ?? '');
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const seen = new Map<string, { index: number; version: unknown }[]>();
  entries.forEach((e, i) => {
    if (!isObject(e)) return;
    const at = `${path}.entry[${i}]`;
    const r = isObject(e.resource) ? e.resource : undefined;
    if (typeof e.fullUrl === 'string') {
      const url = e.fullUrl;
      if (!ABSOLUTE.test(url)) {
        report('error', 'invalid', `${at}.fullUrl`, 'bundle-fullurl-absolute', `${at}.fullUrl: '${url}' is not an absolute URL (a fullUrl must be absolute)`);
      } else if (r && typeof r.resourceType === 'string') {
        const m = RESTFUL.exec(url);
        if (m && (m[2] !== r.resourceType || (typeof r.id === 'string' && m[3] !== r.id))) {
          report('error', 'invalid', `${at}.fullUrl`, 'bundle-fullurl-mismatch',
            `${at}.fullUrl: '${url}' does not match the entry resource ${r.resourceType}/${typeof r.id === 'string' ? r.id : '(no id)'}`);
        }
      }
      const key = withoutHistory(url);
      const version = isObject(r?.meta) ? r.meta.versionId : undefined;
      const prior = seen.get(key) ?? [];
      // Versions aside: a history Bundle, or entries that carry distinct versionIds.
      const clash = type !== 'history' && prior.find((p) => version === undefined || p.version === undefined || p.version === version);
      if (clash) {
        report('error', 'invalid', `${at}.fullUrl`, 'bundle-fullurl-duplicate',
          `${at}.fullUrl: duplicate entries for the fullUrl '${url}' (also ${path}.entry[${clash.index}])`);
      }
      prior.push({ index: i, version });
      seen.set(key, prior);
    }
    if (isObject(e.search) && e.search.mode === 'outcome' && r && r.resourceType !== 'OperationOutcome') {
      report('error', 'invalid', `${at}.search.mode`, 'bundle-search-outcome',
        `${at}.search.mode: 'outcome' is only for an OperationOutcome, not a ${String(r.resourceType)}`);
    }
  });
  if (type === 'searchset' && Array.isArray(bundle.link)) {
    const relations = new Map<string, number>();
    bundle.link.forEach((l, i) => {
      if (!isObject(l) || typeof l.relation !== 'string') return;
      if (relations.has(l.relation)) {
        report('error', 'invalid', `${path}.link[${i}]`, 'bundle-link-once',
          `${path}.link[${i}]: the link relation '${l.relation}' appears more than once (also ${path}.link[${relations.get(l.relation)}])`);
      } else {
        relations.set(l.relation, i);
      }
    });
  }
}
