/**
 * POST [base] with a Bundle: `transaction` (all or nothing, one database transaction, the spec's
 * processing order, urn:uuid and conditional references resolved inside it) or `batch` (each entry
 * on its own, through the same router).
 */
import type { Bundle, BundleEntry, OperationOutcomeIssue } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import { OutcomeError, badRequest, issue, operationOutcome, preconditionFailed } from '../../outcomes';
import type { Resource, WriteOp, WriteResult } from '../../store/repository';
import { etag, mayRead, requireResourceBody, requireWritable, validateForWrite } from '../interactions/common';
import { conditionLock, findMatches, parseQueryString } from '../interactions/conditional';
import { applyFhirPathPatch } from '../interactions/fhirpath-patch';
import { applyJsonPatch, stripVersionMeta } from '../interactions/patch';
import { ID_PATTERN, isResourceType } from '../resource-types';
import { jsonLimitsOf, parseJsonInput } from '../../validation/json-input';
import { handle } from '../router';
import type { FhirDeps, FhirRequest, FhirResponse, Handler, HttpMethod } from '../types';

export const processBundle: Handler = async ({ req, deps }) => {
  const bundle = requireResourceBody(req.body) as Bundle;
  if (bundle.resourceType !== 'Bundle') throw badRequest(`POST to the base takes a Bundle, not a ${bundle.resourceType}`, 'resourceType');
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') throw badRequest(`Bundle.type must be 'transaction' or 'batch', not '${bundle.type}'`, 'Bundle.type');
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) throw badRequest('Bundle.entry must be an array of entries', 'Bundle.entry', 'structure');
  if (entries.length > deps.config.BUNDLE_MAX_ENTRIES) {
    throw new OutcomeError(413, [issue('error', 'too-costly', `The Bundle has ${entries.length} entries; this server takes at most ${deps.config.BUNDLE_MAX_ENTRIES} (BUNDLE_MAX_ENTRIES)`, 'Bundle.entry')]);
  }
  requireUniqueFullUrls(entries, bundle.type);
  const resource = bundle.type === 'transaction' ? await transaction(req, deps, entries) : await batch(req, deps, entries);
  return { status: 200, headers: {}, resource };
};

/**
 * bdl-7: a fullUrl is unique in a Bundle, unless the entries are versions of one resource (distinct
 * meta.versionId). In a transaction a fullUrl is what references to the entry resolve to, so there
 * it may not repeat at all: two entries of one fullUrl are refused before anything is done.
 */
function requireUniqueFullUrls(entries: BundleEntry[], type: 'transaction' | 'batch'): void {
  const first = new Map<string, { index: number; versionId?: string }>();
  entries.forEach((entry, index) => {
    if (!entry || typeof entry !== 'object') return;
    const { fullUrl } = entry;
    if (typeof fullUrl !== 'string') return;
    const versionId = (entry.resource as Resource | undefined)?.meta?.versionId;
    const prior = first.get(fullUrl);
    if (!prior) {
      first.set(fullUrl, { index, versionId });
      return;
    }
    if (type === 'batch' && versionId !== undefined && prior.versionId !== undefined && versionId !== prior.versionId) return;
    throw badRequest(
      `Entries ${prior.index} and ${index} have the same fullUrl '${fullUrl}'; a fullUrl must be unique in a ${type} Bundle (bdl-7), so nothing was processed`,
      at(index, '.fullUrl'), 'invalid',
    );
  });
}

// ---- entries ------------------------------------------------------------------------------------

interface ParsedEntry {
  index: number;
  method: HttpMethod;
  url: string;
  type: string;
  id?: string;
  /** Query string of a conditional url, or of a search. */
  query?: [string, string][];
  resource?: Resource;
  fullUrl?: string;
  ifMatch?: string;
  ifNoneExist?: string;
}

const at = (i: number, rest = '') => `Bundle.entry[${i}]${rest}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseEntry(entry: BundleEntry, index: number): ParsedEntry {
  // The JSON shape first: an entry of any other shape is a client's mistake, never a crash.
  if (!isObject(entry as unknown)) throw badRequest(`Entry ${index} is not an object (a Bundle entry has request and, for writes, resource)`, at(index), 'structure');
  if (entry.request !== undefined && !isObject(entry.request as unknown)) throw badRequest(`Entry ${index}: request is not an object`, at(index, '.request'), 'structure');
  for (const k of ['method', 'url', 'ifMatch', 'ifNoneExist', 'ifNoneMatch', 'ifModifiedSince'] as const) {
    const v: unknown = entry.request?.[k];
    if (v !== undefined && typeof v !== 'string') throw badRequest(`Entry ${index}: request.${k} is not a string`, at(index, `.request.${k}`), 'structure');
  }
  if (entry.fullUrl !== undefined && typeof entry.fullUrl !== 'string') throw badRequest(`Entry ${index}: fullUrl is not a string`, at(index, '.fullUrl'), 'structure');
  if (entry.resource !== undefined && !isObject(entry.resource as unknown)) throw badRequest(`Entry ${index}: resource is not an object`, at(index, '.resource'), 'structure');
  const req = entry.request;
  if (!req?.method || !req.url) throw badRequest(`Entry ${index} has no request method and url`, at(index, '.request'), 'required');
  const method = req.method as HttpMethod;
  if (!['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw badRequest(`Entry ${index}: method ${method} is not supported`, at(index, '.request.method'));
  const url = req.url.replace(/^\//, '');
  const [path, qs] = url.split('?', 2);
  const parts = path.split('/').filter(Boolean);
  const type = parts[0];
  if (!type || (!isResourceType(type) && !type.startsWith('$') && !type.startsWith('_'))) throw badRequest(`Entry ${index}: '${req.url}' does not name a resource type`, at(index, '.request.url'), 'not-found');
  const out: ParsedEntry = { index, method, url, type, fullUrl: entry.fullUrl, ifMatch: req.ifMatch, ifNoneExist: req.ifNoneExist };
  if (parts[1] && !parts[1].startsWith('$') && !parts[1].startsWith('_')) out.id = parts[1];
  if (qs !== undefined) out.query = parseQueryString(qs);
  if (entry.resource) out.resource = entry.resource as Resource;
  if ((method === 'POST' || method === 'PUT') && !out.resource && !(method === 'POST' && parts.some((p) => p.startsWith('$')))) {
    throw badRequest(`Entry ${index}: ${method} needs a resource`, at(index, '.resource'), 'required');
  }
  if (out.resource && (method === 'POST' || method === 'PUT') && out.resource.resourceType !== type) {
    throw badRequest(`Entry ${index}: the resource is a ${out.resource.resourceType} but the url names ${type}`, at(index, '.resource.resourceType'));
  }
  if (out.id && !ID_PATTERN.test(out.id)) throw badRequest(`Entry ${index}: '${out.id}' is not a valid id`, at(index, '.request.url'));
  return out;
}

const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };
const statusLine = (n: number) => `${n} ${({ 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 422: 'Unprocessable Entity' } as Record<number, string>)[n] ?? ''}`.trim();

/** Re-locate an error's issues onto the entry that caused it. */
function inEntry(e: unknown, index: number): unknown {
  if (!(e instanceof OutcomeError)) return e;
  const issues = e.issues.map((i) => ({
    ...i,
    diagnostics: `Entry ${index}: ${i.diagnostics ?? ''}`,
    expression: i.expression?.length ? i.expression.map((x) => (x.startsWith('Bundle.') ? x : at(index, `.resource${x.includes('.') ? x.slice(x.indexOf('.')) : ''}`))) : [at(index)],
  }));
  return new OutcomeError(e.status, issues, e.headers);
}

/** Every `reference` string in a resource, with a setter (an explicit stack: no recursion on client data). */
function forEachReference(root: unknown, fn: (value: string, set: (v: string) => void) => void): void {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
    } else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const nested: unknown[] = [];
      for (const [k, v] of Object.entries(o)) {
        if (k === 'reference' && typeof v === 'string') fn(v, (nv) => (o[k] = nv));
        else if (typeof v === 'object') nested.push(v);
      }
      for (let i = nested.length - 1; i >= 0; i--) stack.push(nested[i]);
    }
  }
}

// ---- transaction --------------------------------------------------------------------------------

async function transaction(req: FhirRequest, deps: FhirDeps, raw: BundleEntry[]): Promise<Bundle> {
  const entries = raw.map((e, i) => parseEntry(e, i));
  return deps.repo.transaction(async (repo) => {
    const txDeps: FhirDeps = { ...deps, repo };
    const responses: (BundleEntry | undefined)[] = new Array(entries.length);
    const ids = new Map<string, string>(); // fullUrl → Type/id
    const ops: { entry: ParsedEntry; op: WriteOp; warnings: OperationOutcomeIssue[] }[] = [];
    const sorted = [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);

    // 0. The conditions of conditional writes, locked together before any search (see findMatches):
    // one statement, in key order, so that two Bundles sharing conditions cannot deadlock.
    const conditions: string[] = [];
    for (const e of entries) {
      try {
        if (!isResourceType(e.type)) continue;
        if (e.method === 'POST' && e.ifNoneExist) conditions.push(conditionLock(e.type, e.ifNoneExist));
        else if ((e.method === 'PUT' || e.method === 'DELETE') && !e.id && e.query) conditions.push(conditionLock(e.type, e.query));
      } catch (err) {
        throw inEntry(err, e.index);
      }
    }
    await repo.lockConditions(conditions);

    // 1. Identities: conditional deletes, creates (If-None-Exist), updates (conditional), patches.
    const createdFor = new Map<string, { id: string; opIndex: number }>(); // ifNoneExist condition → the create of this Bundle
    const sameAs: { entry: ParsedEntry; opIndex: number }[] = [];
    const updatedFor = new Map<string, number>(); // conditional update criteria → entry index
    for (const e of sorted) {
      try {
        if (e.method === 'GET' || e.method === 'HEAD') continue;
        if (!isResourceType(e.type)) throw badRequest(`${e.method} of '${e.url}' is not supported in a transaction`);
        requireWritable(deps, e.type);
        if (e.method === 'DELETE') {
          let id = e.id;
          if (!id && e.query) {
            const m = await findMatches(repo, txDeps, e.type, e.query);
            if (m.length > 1) throw preconditionFailed(`The criteria match ${m.length} ${e.type} resources; a conditional delete removes at most one`);
            id = m[0]?.id;
          }
          if (!id) {
            responses[e.index] = { response: { status: statusLine(204) } };
            continue;
          }
          ops.push({ entry: e, op: { kind: 'delete', type: e.type, id, ifMatch: e.ifMatch }, warnings: [] });
        } else if (e.method === 'POST') {
          const r = requireResourceBody(e.resource, e.type);
          if (e.ifNoneExist) {
            // An earlier entry of this Bundle creates what this condition asks for: the same resource
            // (one member named twice in a feed is created once), answered as a match once written.
            const key = conditionLock(e.type, e.ifNoneExist);
            const earlier = createdFor.get(key);
            if (earlier) {
              if (e.fullUrl) ids.set(e.fullUrl, `${e.type}/${earlier.id}`);
              sameAs.push({ entry: e, opIndex: earlier.opIndex });
              continue;
            }
            const m = await findMatches(repo, txDeps, e.type, e.ifNoneExist);
            if (m.length > 1) throw preconditionFailed(`If-None-Exist '${e.ifNoneExist}' matches ${m.length} ${e.type} resources`);
            if (m.length === 1) {
              if (e.fullUrl) ids.set(e.fullUrl, `${e.type}/${m[0].id}`);
              responses[e.index] = {
                fullUrl: `${req.baseUrl}/${e.type}/${m[0].id}`,
                ...(req.prefer.return === 'minimal' || !mayRead(req, deps, e.type) ? {} : { resource: m[0] }),
                response: { status: statusLine(200), location: `${e.type}/${m[0].id}/_history/${m[0].meta?.versionId}`, etag: etag(m[0].meta?.versionId ?? '1'), lastModified: m[0].meta?.lastUpdated },
              };
              continue;
            }
          }
          r.id = randomUUID();
          if (e.fullUrl) ids.set(e.fullUrl, `${e.type}/${r.id}`);
          if (e.ifNoneExist) createdFor.set(conditionLock(e.type, e.ifNoneExist), { id: r.id, opIndex: ops.length });
          ops.push({ entry: e, op: { kind: 'create', resource: r }, warnings: [] });
        } else if (e.method === 'PUT') {
          const r = requireResourceBody(e.resource, e.type);
          let id = e.id;
          if (!id) {
            if (!e.query) throw badRequest(`PUT needs [type]/[id] or [type]?criteria, not '${e.url}'`, undefined);
            const key = conditionLock(e.type, e.query);
            const other = updatedFor.get(key);
            if (other !== undefined) throw badRequest(`Entries ${other} and ${e.index} are conditional updates with the same criteria; a transaction may change a resource only once`, at(e.index, '.request.url'), 'processing');
            updatedFor.set(key, e.index);
            const m = await findMatches(repo, txDeps, e.type, e.query);
            if (m.length > 1) throw preconditionFailed(`The criteria match ${m.length} ${e.type} resources; a conditional update needs at most one`);
            id = m[0]?.id ?? r.id ?? randomUUID();
          } else if (r.id !== undefined && r.id !== id) {
            throw badRequest(`The resource id '${r.id}' does not match the url's id '${id}'`, `${e.type}.id`);
          }
          r.id = id;
          if (e.fullUrl) ids.set(e.fullUrl, `${e.type}/${id}`);
          ops.push({ entry: e, op: { kind: 'update', resource: r, ifMatch: e.ifMatch }, warnings: [] });
        } else if (e.method === 'PATCH') {
          if (!e.id) throw badRequest(`PATCH needs [type]/[id], not '${e.url}'`);
          const current = await repo.read(e.type, e.id);
          const body = patchDocument(e.resource, deps, e.index);
          if (body === undefined && e.resource?.resourceType !== 'Parameters') throw badRequest('A PATCH entry carries a JSON Patch as a Binary resource (contentType application/json-patch+json) or a FHIRPath Patch as a Parameters resource', at(e.index, '.resource'));
          const patched = body === undefined ? applyFhirPathPatch(current, e.resource) : applyJsonPatch(current, body);
          stripVersionMeta(patched);
          ops.push({ entry: e, op: { kind: 'update', resource: patched, ifMatch: e.ifMatch ?? current.meta?.versionId, method: 'PATCH' }, warnings: [] });
        }
      } catch (err) {
        throw inEntry(err, e.index);
      }
    }

    // 2. References: bundle-local fullUrls and conditional references, resolved and rewritten.
    const conditionalRefs = new Map<string, string>();
    for (const { entry, op } of ops) {
      if (op.kind === 'delete') continue;
      const pending: { value: string; set: (v: string) => void }[] = [];
      forEachReference(op.resource, (value, set) => {
        const local = ids.get(value);
        if (local) set(local);
        else if (value.startsWith('urn:uuid:') || value.startsWith('urn:oid:')) {
          throw inEntry(badRequest(`The reference '${value}' names no entry of this transaction`, undefined, 'not-found'), entry.index);
        } else if (/^[A-Z][A-Za-z]+\?/.test(value)) pending.push({ value, set });
      });
      for (const { value, set } of pending) {
        let target = conditionalRefs.get(value);
        if (!target) {
          const type = value.slice(0, value.indexOf('?'));
          if (!isResourceType(type)) throw inEntry(badRequest(`The conditional reference '${value}' names no resource type`), entry.index);
          const m = await findMatches(repo, txDeps, type, value).catch((err) => {
            throw inEntry(err, entry.index);
          });
          if (m.length !== 1) throw inEntry(preconditionFailed(`The conditional reference '${value}' matches ${m.length} resources; it must match exactly one`), entry.index);
          target = `${type}/${m[0].id}`;
          conditionalRefs.set(value, target);
        }
        set(target);
      }
    }

    // 3. Validation, all before any write.
    for (const o of ops) {
      if (o.op.kind === 'delete') continue;
      try {
        // An entry's outcome reports what it should fix: warnings, not information notes.
        o.warnings = validateForWrite(deps, o.op.resource).filter((i) => i.severity === 'warning');
      } catch (err) {
        throw inEntry(err, o.entry.index);
      }
    }

    // 4. One batched write, in processing order.
    let results: WriteResult[];
    try {
      results = await repo.write(ops.map((o) => o.op));
    } catch (err) {
      const target = err instanceof OutcomeError ? ops.find((o) => err.message.includes(o.op.kind === 'delete' ? `${o.op.type}/${o.op.id}` : `${o.op.resource.resourceType}/${o.op.resource.id}`)) : undefined;
      throw target ? inEntry(err, target.entry.index) : err;
    }

    // 5. Claims against the rules, now that the whole bundle is stored. Claims count in bundle order:
    // each counts the lines of the entries before it, never those after (stored too by now).
    const claimEntries = ops.flatMap((o, i) => (results[i].resource?.resourceType === 'Claim' ? [{ index: o.entry.index, id: results[i].id }] : []));
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i];
      const r = results[i];
      if (deps.claimCheck && r.resource?.resourceType === 'Claim') {
        const later = claimEntries.filter((c) => c.index > o.entry.index).map((c) => c.id);
        try {
          o.warnings.push(...(await deps.claimCheck(r.resource, repo, { later })));
        } catch (err) {
          throw inEntry(err, o.entry.index);
        }
      }
      responses[o.entry.index] = writeEntry(req, r, o.warnings);
    }
    for (const { entry, opIndex } of sameAs) {
      const r = results[opIndex];
      responses[entry.index] = {
        fullUrl: `${req.baseUrl}/${r.type}/${r.id}`,
        ...(req.prefer.return === 'minimal' || req.prefer.return === 'OperationOutcome' ? {} : { resource: r.resource }),
        response: { status: statusLine(200), location: `${r.type}/${r.id}/_history/${r.versionId}`, etag: etag(r.versionId), lastModified: r.lastUpdated },
      };
    }

    // 6. Reads, after the writes, inside the same transaction.
    for (const e of sorted.filter((x) => x.method === 'GET' || x.method === 'HEAD')) {
      const res = await handle(subRequest(req, e, deps), txDeps);
      if (res.status >= 400) throw inEntry(new OutcomeError(res.status, (res.resource as { issue?: OperationOutcomeIssue[] })?.issue ?? [issue('error', 'processing', 'failed')]), e.index);
      responses[e.index] = responseEntry(req, e, res);
    }
    return { resourceType: 'Bundle', id: randomUUID(), type: 'transaction-response', entry: responses.map((r) => r ?? {}) } as Bundle;
  });
}

/**
 * A PATCH entry carries its JSON Patch as a Binary resource (base64 data); undefined when it does
 * not. The decoded document is client input like a body: UTF-8, JSON and the input limits are checked.
 */
function patchDocument(resource: Resource | undefined, deps: FhirDeps, index: number): unknown {
  if (resource?.resourceType !== 'Binary') return undefined;
  const data = (resource as { data?: unknown }).data;
  if (typeof data !== 'string') throw badRequest(`Entry ${index}: the Binary carrying the JSON Patch has no data`, at(index, '.resource.data'), 'required');
  return parseJsonInput(Buffer.from(data, 'base64'), jsonLimitsOf(deps.config), `The JSON Patch in entry ${index}`);
}

function writeEntry(req: FhirRequest, r: WriteResult, warnings: OperationOutcomeIssue[]): BundleEntry {
  const response: BundleEntry['response'] = {
    status: statusLine(r.status === 204 ? 204 : r.created ? 201 : 200),
    ...(r.status !== 204 ? { etag: etag(r.versionId), lastModified: r.lastUpdated } : {}),
    ...(r.resource ? { location: `${r.type}/${r.id}/_history/${r.versionId}` } : {}),
  };
  if (warnings.length || req.prefer.return === 'OperationOutcome') response.outcome = operationOutcome(warnings.length ? warnings : [issue('information', 'informational', 'ok')]);
  return {
    ...(r.resource ? { fullUrl: `${req.baseUrl}/${r.type}/${r.id}` } : {}),
    ...(r.resource && req.prefer.return !== 'minimal' && req.prefer.return !== 'OperationOutcome' ? { resource: r.resource } : {}),
    response,
  };
}

function subRequest(req: FhirRequest, e: ParsedEntry, deps: FhirDeps): FhirRequest {
  const path = `/${e.url.split('?')[0]}`;
  return {
    method: e.method,
    path,
    query: e.query ?? [],
    headers: { ifMatch: e.ifMatch, ifNoneExist: e.ifNoneExist, contentType: e.method === 'PATCH' && e.resource?.resourceType !== 'Parameters' ? 'application/json-patch+json' : 'application/fhir+json' },
    prefer: req.prefer,
    body: e.method === 'PATCH' ? (patchDocument(e.resource, deps, e.index) ?? e.resource) : e.resource,
    baseUrl: req.baseUrl,
    requestId: req.requestId,
    // Entries run as the client that sent the Bundle.
    auth: req.auth,
  };
}

function responseEntry(req: FhirRequest, e: ParsedEntry, res: FhirResponse): BundleEntry {
  const resource = res.resource ?? (res.json ? (JSON.parse(res.json) as Resource) : undefined);
  const isOutcome = resource?.resourceType === 'OperationOutcome';
  const location = res.headers.Location?.replace(`${req.baseUrl}/`, '');
  return {
    ...(resource && !isOutcome && resource.id && resource.resourceType !== 'Bundle' ? { fullUrl: `${req.baseUrl}/${resource.resourceType}/${resource.id}` } : {}),
    ...(resource && !(isOutcome && res.status >= 400) ? { resource } : {}),
    response: {
      status: statusLine(res.status),
      ...(location ? { location } : {}),
      ...(res.headers.ETag ? { etag: res.headers.ETag } : {}),
      ...(res.headers['Last-Modified'] ? { lastModified: new Date(res.headers['Last-Modified']).toISOString() } : {}),
      ...(isOutcome && res.status >= 400 ? { outcome: resource } : {}),
    },
  };
}

// ---- batch --------------------------------------------------------------------------------------

async function batch(req: FhirRequest, deps: FhirDeps, raw: BundleEntry[]): Promise<Bundle> {
  const entry: BundleEntry[] = [];
  for (let i = 0; i < raw.length; i++) {
    let parsed: ParsedEntry;
    try {
      parsed = parseEntry(raw[i], i);
    } catch (err) {
      if (!(err instanceof OutcomeError)) throw err;
      entry.push({ response: { status: statusLine(err.status), outcome: err.outcome } });
      continue;
    }
    let sub: FhirRequest;
    try {
      sub = subRequest(req, parsed, deps);
    } catch (err) {
      if (!(err instanceof OutcomeError)) throw err;
      entry.push({ response: { status: statusLine(err.status), outcome: err.outcome } });
      continue;
    }
    if (parsed.method === 'POST' && parsed.resource && !parsed.url.includes('$')) sub.path = `/${parsed.type}`;
    const res = await handle(sub, deps);
    entry.push(responseEntry(req, parsed, res));
  }
  return { resourceType: 'Bundle', id: randomUUID(), type: 'batch-response', entry };
}

